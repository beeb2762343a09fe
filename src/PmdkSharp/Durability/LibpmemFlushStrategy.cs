using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Durability;

/// <summary>
/// libpmem on persistent memory: cache-line flushes (clwb, clflushopt) and a drain, with
/// non-temporal copies for large ranges; on an eADR platform libpmem skips the flushes itself.
/// </summary>
internal sealed unsafe class LibpmemFlushStrategy : DurabilityStrategy
{
    public static readonly LibpmemFlushStrategy Instance = new();

    private LibpmemFlushStrategy() { }

    public override PersistMethod Method => PersistMethod.LibpmemFlush;

    public override StoreGranularity Granularity =>
        Backends.PmdkBackend.LibpmemAutoFlush.Value ? StoreGranularity.Byte : StoreGranularity.CacheLine;

    public override void Persist(byte* address, nuint length) => pmem_persist(address, length);

    public override void Flush(byte* address, nuint length) => pmem_flush(address, length);

    public override void Drain() => pmem_drain();

    public override void CopyPersist(byte* destination, byte* source, nuint length) =>
        pmem_memcpy_persist(destination, source, length);

    public override void CopyFlush(byte* destination, byte* source, nuint length) =>
        pmem_memcpy_nodrain(destination, source, length);

    public override void FillPersist(byte* destination, byte value, nuint length) =>
        pmem_memset_persist(destination, value, length);
}
