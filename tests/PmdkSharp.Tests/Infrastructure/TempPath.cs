using System;
using System.IO;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>A unique file path in a test directory, deleted on dispose.</summary>
public sealed class TempPath : IDisposable
{
    public TempPath(string directory, string suffix = ".pmem")
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, $"pmdksharp-test-{Guid.NewGuid():N}{suffix}");
    }

    public string Path { get; }

    public override string ToString() => Path;

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
            else
                File.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: a leftover test file must not fail the test that made it.
        }
    }
}
