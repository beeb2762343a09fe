using System;

namespace PmdkSharp;

public sealed unsafe partial class PmemFile
{
    /// <summary>
    /// Makes [offset, offset + length) durable: cache-line flushes and a drain on persistent
    /// memory, msync of the touched pages elsewhere.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="System.IO.IOException">msync failed (for example an I/O error on the device).</exception>
    public void Persist(long offset, long length)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, length);
        using HandleLease lease = Lease();
        backend.Persist(mapping.Base + offset, (nuint)length, mapping.IsPmem);
        PmemMetrics.Persisted("persist", length);
    }

    /// <summary>Makes the whole mapping durable.</summary>
    public void Persist() => Persist(0, Length);

    /// <summary>
    /// Starts making [offset, offset + length) durable without waiting: several flushes followed
    /// by one <see cref="Drain"/> cost less than several persists. Where the mapping is not
    /// persistent memory this is already a complete msync.
    /// </summary>
    public void Flush(long offset, long length)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, length);
        using HandleLease lease = Lease();
        backend.Flush(mapping.Base + offset, (nuint)length, mapping.IsPmem);
        PmemMetrics.Persisted("flush", length);
    }

    /// <summary>Waits until every earlier <see cref="Flush"/> is durable.</summary>
    public void Drain()
    {
        ThrowIfWritableDisposed();
        backend.Drain(mapping.IsPmem);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> and makes it durable (pmem_memcpy_persist on persistent memory).</summary>
    public void CopyPersist(long offset, ReadOnlySpan<byte> source)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, source.Length);
        using HandleLease lease = Lease();
        fixed (byte* from = source)
            backend.CopyPersist(mapping.Base + offset, from, (nuint)source.Length, mapping.IsPmem);
        PmemMetrics.Persisted("copy", source.Length);
    }

    /// <summary>Sets [offset, offset + length) to <paramref name="value"/> and makes it durable (pmem_memset_persist on persistent memory).</summary>
    public void FillPersist(long offset, long length, byte value)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, length);
        using HandleLease lease = Lease();
        backend.FillPersist(mapping.Base + offset, value, (nuint)length, mapping.IsPmem);
        PmemMetrics.Persisted("fill", length);
    }

    /// <summary>Throws unless [offset, offset + length) lies inside the mapped length, without overflowing.</summary>
    private void CheckRange(long offset, long length)
    {
        if (offset < 0)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must not be negative.");
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");
        long mapped = mapping.Length;
        if (offset > mapped || length > mapped - offset)
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"The range at offset {offset} of {length} bytes reaches past the mapped length of {mapped} bytes of '{Path}'.");
    }
}
