using System;
using System.IO;
using Xunit;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>
/// A tmpfs mounted for one test under a unique directory (needs root, which CI has; skips
/// otherwise): a few MiB to run out of space for real, or a huge= setting to get huge pages.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private SmallTmpfs(string directory) => Directory = directory;

    public string Directory { get; }

    /// <param name="sizeMiB">The file system's size.</param>
    /// <param name="options">More mount options, comma-separated (e.g. "huge=advise").</param>
    public static SmallTmpfs Mount(int sizeMiB, string? options = null)
    {
        Skip.IfNot(TestEnvironment.IsRoot, "mounting a tmpfs needs root");
        string directory = Path.Combine(Path.GetTempPath(), $"pmdksharp-tmpfs-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        string all = options is null ? $"size={sizeMiB}m" : $"size={sizeMiB}m,{options}";
        try
        {
            Command.Run("mount", "-t", "tmpfs", "-o", all, "pmdksharp-test", directory);
        }
        catch
        {
            System.IO.Directory.Delete(directory);
            throw;
        }
        return new SmallTmpfs(directory);
    }

    public void Dispose()
    {
        Command.Run("umount", "-l", Directory);
        System.IO.Directory.Delete(Directory);
    }
}
