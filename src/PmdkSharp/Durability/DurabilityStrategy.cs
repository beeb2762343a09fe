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
    /// Copies into the mapping, not yet durable, the way this strategy's next persist of the range
    /// is cheapest: a copy through the mapping, unless <see cref="MsyncStrategy"/> writes through the file.
    /// </summary>
    public virtual void Store(byte* destination, byte* source, nuint length) =>
        System.Buffer.MemoryCopy(source, destination, length, length);

    /// <summary>Whether <see cref="Store"/> writes through the file: then each copy is a system call, worth making once per record rather than per field.</summary>
    public virtual bool StoresThroughFile => false;

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
