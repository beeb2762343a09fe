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
    private readonly PmemFile file = PmemFile.Open(Path.Combine(directory, "copypersist.bin"), new PmemFileOptions
    {
        Mode = FileMode.CreateNew, Length = capacity, Preallocation = blocks,
    });
    private long next;

    public void Append(ReadOnlySpan<byte> record)
    {
        long offset = Interlocked.Add(ref next, record.Length) - record.Length;
        file.CopyPersist(offset, record);
    }

    public void Dispose() => file.Dispose();
}
