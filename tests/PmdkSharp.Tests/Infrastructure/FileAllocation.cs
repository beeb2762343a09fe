using System.Globalization;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>
/// What the file system holds for a file, asked of the kernel the way an administrator would:
/// allocated blocks (stat's st_blocks) and bytes in the page cache (fincore, which mincore()s a
/// mapping of its own). Together they tell the preallocation modes apart: a sparse file has no
/// blocks, fallocate allocates blocks without caching pages, writing zeros does both.
/// </summary>
public static class FileAllocation
{
    /// <summary>Bytes of storage allocated to the file (st_blocks × 512).</summary>
    public static long AllocatedBytes(string path) => long.Parse(Command.Run("stat", "-c", "%b", path), CultureInfo.InvariantCulture) * 512;

    /// <summary>Bytes of the file in the page cache.</summary>
    public static long CachedBytes(string path) =>
        long.Parse(Command.Run("fincore", "--bytes", "--noheadings", "--output", "RES", path), CultureInfo.InvariantCulture);
}
