using System.Collections.Generic;
using System.IO;

namespace PmdkSharp.PeerBench;

/// <summary>
/// Where records go: a directory and whether libpmem is told to treat it as pmem. libpmem reads
/// PMEM_IS_PMEM_FORCE once per process, so every medium runs in a child process of its own.
/// </summary>
internal sealed record Medium(string Name, string Directory, bool ForcePmem, string Description)
{
    /// <summary>The disk file system (block kinds matter there: an msync into an unwritten extent also commits metadata).</summary>
    public bool IsDisk => Name == "ext4";

    public static List<Medium> Defaults(string disk, string memory) =>
    [
        new("ext4", disk, false, $"{disk}: disk file system, msync path"),
        new("tmpfs-msync", memory, false, $"{memory}: tmpfs, msync path"),
        new("tmpfs-pmem", memory, true, $"{memory}: tmpfs with PMEM_IS_PMEM_FORCE=1 (emulated pmem: cache-line flushes)"),
    ];

    /// <summary>The file system type as the runtime reports it (ext4, tmpfs, ...).</summary>
    public static string FileSystem(string directory)
    {
        try
        {
            return new DriveInfo(directory).DriveFormat;
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
