using System;

namespace PmdkSharp;

// Each member runs the access scope's body under a lease of its own, so a fix lands once.
public sealed unsafe partial class PmemFile
{
    /// <summary>
    /// Makes [offset, offset + length) durable: cache-line flushes and a drain on persistent
    /// memory, msync of the touched pages elsewhere (see <see cref="PersistMethod"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The file is disposed.</exception>
    /// <exception cref="System.IO.IOException">msync failed (for example an I/O error on the device), now or on an earlier persist of this mapping.</exception>
    public void Persist(long offset, long length)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Persist(offset, length);
    }

    /// <summary>Makes the whole mapping durable.</summary>
    public void Persist() => Persist(0, Length);

    /// <summary>
    /// Starts making [offset, offset + length) durable without waiting: several flushes followed
    /// by one <see cref="Drain"/> cost less than several persists. Where the mapping persists with
    /// msync this is already a complete msync.
    /// </summary>
    public void Flush(long offset, long length)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Flush(offset, length);
    }

    /// <summary>Waits until every earlier <see cref="Flush"/> is durable.</summary>
    public void Drain()
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Drain();
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> and makes it durable (pmem_memcpy_persist on persistent memory).</summary>
    public void CopyPersist(long offset, ReadOnlySpan<byte> source)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.CopyPersist(offset, source);
    }

    /// <summary>Sets [offset, offset + length) to <paramref name="value"/> and makes it durable (pmem_memset_persist on persistent memory).</summary>
    public void FillPersist(long offset, long length, byte value)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.FillPersist(offset, length, value);
    }

    /// <summary>
    /// Holds the mapping for a block of work: the scope's members check bounds only, with no lease,
    /// allocation or interlocked operation per call. Dispose the scope (a <c>using</c>) on the
    /// thread that began it; while it is open, <see cref="Dispose"/> of the file defers unmapping
    /// until the scope ends.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The file is disposed.</exception>
    public PmemAccessScope BeginAccess() => new(this, Enter(), mapping, strategy, baseAddress, readOnly);
}
