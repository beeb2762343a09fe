using System;
using System.IO;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>
/// One test's file for one backend. Creating it checks the environment (a PMDK case skips, or
/// fails in CI, when libpmem cannot be loaded) and picks a unique path in a test directory; every
/// open goes through the backend under test, so no case quietly falls back to the default backend;
/// disposing deletes the file and every sibling named after it (<see cref="Sibling"/>).
/// </summary>
public sealed class TestFile : IDisposable
{
    private readonly TempPath path;

    /// <param name="backend">The backend every open of this file uses.</param>
    /// <param name="directory">
    /// Where the file goes; by default the first test directory, which is /dev/shm when pmem is
    /// emulated and the disk directory on the msync path, so each file system is covered once per run.
    /// </param>
    /// <param name="suffix">The end of the file name.</param>
    public TestFile(PmemBackendKind backend, string? directory = null, string suffix = ".pmem")
    {
        TestEnvironment.Require(backend);
        Backend = backend;
        Directory = directory ?? TestEnvironment.Directories[0];
        path = new TempPath(Directory, suffix);
    }

    public PmemBackendKind Backend { get; }

    public string Directory { get; }

    public string Path => path.Path;

    /// <summary>The file's length on disk now.</summary>
    public long LengthOnDisk => new FileInfo(Path).Length;

    /// <summary>Options to create the file with this backend (further settings with <c>with { }</c>).</summary>
    public PmemFileOptions Options(long length, long? maxLength = null) =>
        new() { Backend = Backend, Length = length, MaxLength = maxLength };

    /// <summary>Creates (or opens) the file with <see cref="Options"/>.</summary>
    public PmemFile Create(long length, long? maxLength = null) => PmemFile.Open(Path, Options(length, maxLength));

    /// <summary>Opens the file with <paramref name="options"/>, always with this backend.</summary>
    public PmemFile Open(PmemFileOptions options) => PmemFile.Open(Path, options with { Backend = Backend });

    /// <summary>Opens the existing file again with this backend.</summary>
    public PmemFile Reopen(bool readOnly = false, long? maxLength = null) =>
        Open(new PmemFileOptions { Mode = FileMode.Open, ReadOnly = readOnly, MaxLength = maxLength });

    public byte[] ReadAllBytes() => File.ReadAllBytes(Path);

    public void WriteAllBytes(byte[] bytes) => File.WriteAllBytes(Path, bytes);

    /// <summary>Another path next to this file (<c>Path + suffix</c>), deleted with it.</summary>
    public string Sibling(string suffix) => Path + suffix;

    public override string ToString() => $"{Backend} {Path}";

    public void Dispose()
    {
        string name = System.IO.Path.GetFileName(Path);
        try
        {
            foreach (string sibling in System.IO.Directory.EnumerateFileSystemEntries(Directory, name + "?*"))
            {
                if (System.IO.Directory.Exists(sibling))
                    System.IO.Directory.Delete(sibling, recursive: true);
                else
                    File.Delete(sibling);
            }
        }
        catch (IOException)
        {
            // Best effort, as for the file itself: a leftover must not fail the test that made it.
        }
        path.Dispose();
    }
}
