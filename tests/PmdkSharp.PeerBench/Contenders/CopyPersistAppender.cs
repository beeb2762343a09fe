using System;
using System.IO;
using System.Threading;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>
/// The floor: no log at all, each record copied into a file of a fixed length and persisted once with
/// <see cref="PmemFile.CopyPersist"/> (a cache-line flush on pmem, one msync elsewhere). With
/// <paramref name="blocks"/> it measures what one msync costs per kind of block the file was grown with.
/// </summary>
internal sealed class CopyPersistAppender(string directory, long capacity, Preallocation blocks = Preallocation.Allocate) : IAppender
{
    private readonly PmemFile file = Open(Path.Combine(directory, "copypersist.bin"), capacity, blocks);
    private long next;

    private static PmemFile Open(string path, long capacity, Preallocation blocks)
    {
        var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.CreateNew, Length = capacity, Preallocation = blocks });
        // ZeroFill leaves its zeros dirty in the page cache: they are written back before the first append, so
        // the timed msyncs measure each kind of block, not the fill's writeback.
        if (blocks == Preallocation.ZeroFill)
            file.Persist();
        return file;
    }

    public void Append(ReadOnlySpan<byte> record)
    {
        long offset = Interlocked.Add(ref next, record.Length) - record.Length;
        file.CopyPersist(offset, record);
    }

    public void Dispose() => file.Dispose();
}
