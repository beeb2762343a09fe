using System;
using System.Runtime.CompilerServices;
using PmdkSharp.Durability;
using PmdkSharp.Lifetime;
using PmdkSharp.Mapping;

namespace PmdkSharp;

/// <summary>
/// One hold on a <see cref="PmemFile"/>'s mapping for a block of work, from
/// <see cref="PmemFile.BeginAccess"/>. Its members do what the file's members of the same name
/// do, with bounds checks only: no lease, allocation or interlocked operation per call, so a hot
/// loop pays for the hold once. Ranges are checked against the file's current length, so a
/// concurrent <see cref="PmemFile.Grow"/> is seen at once.
/// </summary>
/// <remarks>
/// Dispose the scope (a <c>using</c> declaration) on the thread that began it, once. While it is
/// open the mapping stays valid even if another thread disposes the file: the last scope to end
/// unmaps it. Threads use their own scopes; two scopes on one file never contend.
/// </remarks>
public readonly unsafe ref struct PmemAccessScope
{
    private readonly PmemFile file;
    private readonly LeaseGate.Lease lease;
    private readonly FileMapping mapping;
    private readonly DurabilityStrategy strategy;
    private readonly byte* baseAddress;
    private readonly bool readOnly;

    internal PmemAccessScope(PmemFile file, LeaseGate.Lease lease, FileMapping mapping, DurabilityStrategy strategy, byte* baseAddress, bool readOnly)
    {
        this.file = file;
        this.lease = lease;
        this.mapping = mapping;
        this.strategy = strategy;
        this.baseAddress = baseAddress;
        this.readOnly = readOnly;
    }

    /// <summary>The file's current length.</summary>
    public long Length => mapping.Length;

    /// <summary>Makes [offset, offset + length) durable (see <see cref="PmemFile.Persist(long, long)"/>).</summary>
    public void Persist(long offset, long length)
    {
        CheckWritable(offset, length);
        strategy.Persist(baseAddress + offset, (nuint)length);
        PmemMetrics.Persisted("persist", length);
    }

    /// <summary>Starts making a range durable; <see cref="Drain"/> waits (see <see cref="PmemFile.Flush"/>).</summary>
    public void Flush(long offset, long length)
    {
        CheckWritable(offset, length);
        strategy.Flush(baseAddress + offset, (nuint)length);
        PmemMetrics.Persisted("flush", length);
    }

    /// <summary>Waits until every earlier flush is durable.</summary>
    public void Drain()
    {
        if (readOnly)
            file.ThrowReadOnly();
        strategy.Drain();
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> and makes it durable.</summary>
    public void CopyPersist(long offset, ReadOnlySpan<byte> source)
    {
        CheckWritable(offset, source.Length);
        fixed (byte* from = source)
            strategy.CopyPersist(baseAddress + offset, from, (nuint)source.Length);
        PmemMetrics.Persisted("copy", source.Length);
    }

    /// <summary>Sets a range to <paramref name="value"/> and makes it durable.</summary>
    public void FillPersist(long offset, long length, byte value)
    {
        CheckWritable(offset, length);
        strategy.FillPersist(baseAddress + offset, value, (nuint)length);
        PmemMetrics.Persisted("fill", length);
    }

    /// <summary>
    /// Copies into the mapping and starts making it durable (large copies stream past the cache on
    /// persistent memory); <see cref="Drain"/> waits. For the library's own hot paths.
    /// </summary>
    internal void CopyFlush(long offset, ReadOnlySpan<byte> source)
    {
        CheckWritable(offset, source.Length);
        fixed (byte* from = source)
            strategy.CopyFlush(baseAddress + offset, from, (nuint)source.Length);
        PmemMetrics.Persisted("flush", source.Length);
    }

    /// <summary>
    /// Copies into the mapping (not yet durable) the way the next persist of the range is cheapest:
    /// on a disk's file system through the file, else through the mapping. For the library's own
    /// hot paths, where a persist follows each copy (a system call per copy on a disk is nothing beside its flush).
    /// </summary>
    internal void Store(long offset, ReadOnlySpan<byte> source)
    {
        CheckWritable(offset, source.Length);
        fixed (byte* from = source)
            strategy.Store(baseAddress + offset, from, (nuint)source.Length);
    }

    /// <summary>Whether <see cref="Store"/> copies through the file rather than through the mapping.</summary>
    internal bool StoresThroughFile => strategy.StoresThroughFile;

    /// <summary>Copies bytes into the mapping (not yet durable).</summary>
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        CheckWritable(offset, source.Length);
        source.CopyTo(new Span<byte>(baseAddress + offset, source.Length));
    }

    /// <summary>Copies bytes out of the mapping.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        file.CheckRange(offset, destination.Length);
        new ReadOnlySpan<byte>(baseAddress + offset, destination.Length).CopyTo(destination);
    }

    /// <summary>Reads a <typeparamref name="T"/> at any offset.</summary>
    public T Read<T>(long offset) where T : unmanaged
    {
        file.CheckRange(offset, sizeof(T));
        return Unsafe.ReadUnaligned<T>(baseAddress + offset);
    }

    /// <summary>Writes a <typeparamref name="T"/> at any offset (not yet durable).</summary>
    public void Write<T>(long offset, in T value) where T : unmanaged
    {
        CheckWritable(offset, sizeof(T));
        Unsafe.WriteUnaligned(baseAddress + offset, value);
    }

    /// <summary>A reference to a naturally aligned <typeparamref name="T"/>; valid while the scope is open.</summary>
    public ref T AsRef<T>(long offset) where T : unmanaged
    {
        CheckWritable(offset, sizeof(T));
        return ref PmemFile.AlignedRef<T>(baseAddress, offset);
    }

    /// <summary>A writable window, valid while the scope is open.</summary>
    public Span<byte> GetSpan(long offset, int length)
    {
        CheckWritable(offset, length);
        return new Span<byte>(baseAddress + offset, length);
    }

    /// <summary>A read-only window, valid while the scope is open.</summary>
    public ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        file.CheckRange(offset, length);
        return new ReadOnlySpan<byte>(baseAddress + offset, length);
    }

    /// <summary>Ends the hold; if the file was disposed meanwhile and this was the last user, unmaps it.</summary>
    public void Dispose() => lease.Dispose();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckWritable(long offset, long length)
    {
        if (readOnly)
            file.ThrowReadOnly();
        file.CheckRange(offset, length);
    }
}
