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

    /// <summary>
    /// Copies and starts making the destination durable; <see cref="Drain"/> waits. Flushing
    /// strategies override it with a copy that streams large ranges past the cache (non-temporal
    /// stores), so they need no flush afterwards.
    /// </summary>
    public virtual void CopyFlush(byte* destination, byte* source, nuint length)
    {
        System.Buffer.MemoryCopy(source, destination, length, length);
        Flush(destination, length);
    }
}

/// <summary>Chooses the strategy for a newly opened mapping.</summary>
internal static unsafe class DurabilityStrategies
{
    /// <summary>
    /// The crash simulator's write-through when one is given; msync where the mapping is not
    /// persistent memory; on persistent memory, cache-line flushes through libpmem (PMDK backend)
    /// or through the managed flusher (managed backend), and msync where neither can flush.
    /// </summary>
    public static DurabilityStrategy For(PmemBackendKind backend, Mapping.FileMapping mapping, string path, CrashSimulator? simulator) =>
        mapping.Device is { } device ? ForDeviceDax(backend, device)
        : simulator is not null ? new SimulatedPersistStrategy(simulator, mapping.Handle.File.SafeFileHandle, mapping.Base, path)
        : !mapping.IsPmem ? new MsyncStrategy(path, mapping.Base)
        : backend == PmemBackendKind.Pmdk ? LibpmemFlushStrategy.Instance
        : CacheLineFlushSupport.Current.Flusher is { } flusher
            ? new ManagedFlushStrategy(flusher, Backends.AutoFlushProbe.PlatformHasAutoFlush)
            // No usable flush instruction (another architecture, executable memory refused): msync is
            // correct on file-system DAX too, page by page. CacheLineFlushSupport.Current.Reason says why.
            : new MsyncStrategy(path, mapping.Base);

    /// <summary>
    /// Device DAX: cache-line flushes only, never msync (msync(MS_SYNC) and fsync answer EINVAL there).
    /// The managed flusher's presence was required before the device was mapped. Granularity follows
    /// the device's own region: Byte where its persistence domain holds the CPU caches (eADR).
    /// </summary>
    private static DurabilityStrategy ForDeviceDax(PmemBackendKind backend, Mapping.DeviceDaxInfo device) =>
        backend == PmemBackendKind.Pmdk ? LibpmemFlushStrategy.Instance
        : new ManagedFlushStrategy(
            CacheLineFlushSupport.Current.Flusher ?? throw new System.InvalidOperationException($"No cache-line flusher for device DAX '{device.Path}'."),
            device.HasAutoFlush);
}
