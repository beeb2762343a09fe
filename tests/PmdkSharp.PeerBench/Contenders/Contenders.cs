using System.Collections.Generic;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>The contenders every medium runs, in the order of the first round (later rounds rotate it).</summary>
internal static class AllContenders
{
    public const string PmemLogName = "PmemLog";
    public const string CopyPersistName = "bare CopyPersist";

    public static IReadOnlyList<Contender> Appenders { get; } =
    [
        new(PmemLogName, (dir, capacity) => new PmemLogAppender(dir, capacity)),
        new("FileStream Write+Flush(true)", (dir, _) => new FileStreamAppender(dir)),
        new("MemoryMappedViewAccessor+Flush", (dir, capacity) => new MappedAccessorAppender(dir, capacity)),
        new("FasterLog fast commit", (dir, _) => new FasterLogAppender(dir)),
        new(CopyPersistName, (dir, capacity) => new CopyPersistAppender(dir, capacity)),
    ];

    /// <summary>The peers PmemLog is ranked against (the bare loop is a floor, not a peer).</summary>
    public static bool IsPeer(string name) => name != PmemLogName && name != CopyPersistName;

    /// <summary>
    /// One msync per record into blocks the file got from each <see cref="Preallocation"/>: on a disk file
    /// system an msync into an unwritten (fallocated) extent or a hole also changes metadata.
    /// </summary>
    public static IReadOnlyList<Contender> BlockKinds { get; } =
    [
        new("msync into Allocate blocks", (dir, capacity) => new CopyPersistAppender(dir, capacity, Preallocation.Allocate)),
        new("msync into ZeroFill blocks", (dir, capacity) => new CopyPersistAppender(dir, capacity, Preallocation.ZeroFill)),
        new("msync into Sparse blocks", (dir, capacity) => new CopyPersistAppender(dir, capacity, Preallocation.Sparse)),
    ];
}
