using PmdkSharp.FlushEngine;

namespace PmdkSharp.Durability;

/// <summary>
/// The managed backend on persistent memory: cache-line flushes and a fence from a few bytes of
/// machine code, and non-temporal copies for large ranges (see <see cref="CacheLineFlusher"/>),
/// the same work libpmem does, without libpmem.
/// </summary>
internal sealed unsafe class ManagedFlushStrategy : DurabilityStrategy
{
    private readonly CacheLineFlusher flusher;
    private readonly bool autoFlush;

    public ManagedFlushStrategy(CacheLineFlusher flusher, bool autoFlush)
    {
        this.flusher = flusher;
        this.autoFlush = autoFlush;
    }

    public override PersistMethod Method => PersistMethod.ManagedFlush;

    public override StoreGranularity Granularity => autoFlush ? StoreGranularity.Byte : StoreGranularity.CacheLine;

    public override void Persist(byte* address, nuint length) => flusher.Persist(address, length);

    public override void Flush(byte* address, nuint length) => flusher.Flush(address, length);

    public override void Drain() => flusher.Drain();

    public override void CopyPersist(byte* destination, byte* source, nuint length) => flusher.CopyPersist(destination, source, length);

    public override void CopyFlush(byte* destination, byte* source, nuint length) => flusher.CopyNoDrain(destination, source, length);

    public override void FillPersist(byte* destination, byte value, nuint length) => flusher.FillPersist(destination, value, length);
}
