namespace PmdkSharp.Durability;

/// <summary>
/// How one mapping makes byte ranges durable, chosen once at open so the persist path never
/// branches on the backend or the file system. Addresses are inside the mapping and ranges are
/// already checked; implementations only make them durable.
/// </summary>
internal abstract unsafe class DurabilityStrategy
{
    public abstract PersistMethod Method { get; }

    /// <summary>What a store needs before it is durable under this strategy.</summary>
    public abstract StoreGranularity Granularity { get; }

    /// <summary>Makes [address, address + length) durable before returning.</summary>
    public abstract void Persist(byte* address, nuint length);

    /// <summary>Starts making the range durable; <see cref="Drain"/> waits for every flush before it.</summary>
    public abstract void Flush(byte* address, nuint length);

    public abstract void Drain();

    /// <summary>Copies and makes the destination durable.</summary>
    public abstract void CopyPersist(byte* destination, byte* source, nuint length);

    /// <summary>Fills and makes the destination durable.</summary>
    public abstract void FillPersist(byte* destination, byte value, nuint length);
}

/// <summary>Chooses the strategy for a newly opened mapping.</summary>
internal static unsafe class DurabilityStrategies
{
    /// <summary>
    /// Cache-line flushes through libpmem where the mapping is persistent memory and the PMDK
    /// backend was chosen; msync everywhere else (page-cache file systems, and the managed backend).
    /// </summary>
    public static DurabilityStrategy For(PmemBackendKind backend, Mapping.FileMapping mapping, string path) =>
        backend == PmemBackendKind.Pmdk && mapping.IsPmem
            ? LibpmemFlushStrategy.Instance
            : new MsyncStrategy(path, mapping.Base);
}
