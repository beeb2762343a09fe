using System;
using System.IO;
using PmdkSharp.Interop;
using PmdkSharp.Lifetime;
using PmdkSharp.Mapping;

namespace PmdkSharp;

// Range-level memory control: what MemoryMappedFile users ask for (memmap2's advise and lock,
// Windows' PrefetchVirtualMemory and DiscardVirtualMemory), with PmemFile's usual contract: ranges
// checked against Length (offset + length == Length is the last valid range), read-only rules, and
// the mapping held across every syscall so a racing Dispose gives ObjectDisposedException.
public sealed unsafe partial class PmemFile
{
    /// <summary>
    /// Tells the kernel how [offset, offset + length) is about to be used (madvise). The advice
    /// applies to the whole pages covering the range only: a range added later by <see cref="Grow"/>
    /// starts with <see cref="MemoryAdvice.Normal"/>. A zero length does nothing. Allowed on a
    /// read-only mapping: no advice changes the file.
    /// </summary>
    /// <remarks>
    /// <see cref="MemoryAdvice.DontNeed"/> drops the pages from this process's page tables only:
    /// the data stays in the file (and in the page cache until the kernel evicts it), and the next
    /// access maps it again. <see cref="MemoryAdvice.Random"/> and <see cref="MemoryAdvice.Sequential"/>
    /// on part of the mapping split it into separate kernel mappings (VMAs, counted against
    /// vm.max_map_count) until <see cref="MemoryAdvice.Normal"/> undoes the advice.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>, or <paramref name="advice"/> is not a defined value.</exception>
    /// <exception cref="IOException">The kernel refused the advice; <see cref="MemoryAdvice.DontNeed"/> is refused on a range locked with <see cref="Lock"/>.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public void Advise(long offset, long length, MemoryAdvice advice)
    {
        (int value, string name) = RangeControl.Advice(advice);
        using LeaseGate.Lease lease = Enter();
        CheckRange(offset, length);
        if (length == 0)
            return;
        byte* start = RangeControl.PagesCovering(baseAddress + offset, (nuint)length, out nuint pages);
        int errno = RangeControl.Advise(start, pages, value);
        if (errno != 0)
            throw Errno.ToException(errno, $"madvise({name})", Path,
                advice == MemoryAdvice.DontNeed && errno == Libc.EINVAL
                    ? $"offset {offset}, {length} bytes; the kernel refuses MADV_DONTNEED on locked pages: Unlock the range first"
                    : $"offset {offset}, {length} bytes");
    }

    /// <summary>
    /// Faults [offset, offset + length) in now, reading the file where it is not cached, so the
    /// accesses that follow take no page faults: read-ahead of the whole range is started first
    /// (MADV_WILLNEED, so the disk sees large requests in flight together), then the range is
    /// mapped with MADV_POPULATE_READ or MADV_POPULATE_WRITE on Linux 5.14+, or by touching every
    /// page elsewhere: the same mechanism as <see cref="PmemFileOptions.Prefault"/> applies at open.
    /// Whole pages covering the range are faulted; the rest of the mapping is left alone. Returns
    /// when the range is mapped.
    /// </summary>
    /// <param name="offset">Where the range starts.</param>
    /// <param name="length">The range's length; zero does nothing.</param>
    /// <param name="access">
    /// <see cref="FileAccess.Read"/> maps the pages for reading (allowed on a read-only mapping; a
    /// first write may still fault once). <see cref="FileAccess.Write"/> or <see cref="FileAccess.ReadWrite"/>
    /// maps them writable, allocating blocks of a sparse file and marking the pages dirty, as a write would.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>, or <paramref name="access"/> is not a defined value.</exception>
    /// <exception cref="NotSupportedException">Prefetching for writing on a read-only mapping.</exception>
    /// <exception cref="IOException">A page could not be faulted in: the file was truncated below the range by someone else, a block could not be allocated, or memory ran out.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public void Prefetch(long offset, long length, FileAccess access = FileAccess.Read)
    {
        var range = new PmemRange(offset, length);
        Prefetch(new ReadOnlySpan<PmemRange>(in range), access);
    }

    /// <summary>
    /// Faults several ranges in at once, as Windows' PrefetchVirtualMemory does for discontiguous
    /// ranges: every range is checked first, read-ahead is started for all of them (so the disk
    /// works on them concurrently), then each is mapped. For scattered reads whose offsets are known
    /// ahead this is far cheaper than prefetching them one by one, which waits for each in turn.
    /// Otherwise as <see cref="Prefetch(long, long, FileAccess)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A range is negative or reaches past <see cref="Length"/> (nothing is prefetched), or <paramref name="access"/> is not a defined value.</exception>
    /// <exception cref="NotSupportedException">Prefetching for writing on a read-only mapping.</exception>
    /// <exception cref="IOException">A page could not be faulted in (see the single-range overload); the ranges before it may be mapped.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public void Prefetch(ReadOnlySpan<PmemRange> ranges, FileAccess access)
    {
        if (access is not (FileAccess.Read or FileAccess.Write or FileAccess.ReadWrite))
            throw new ArgumentOutOfRangeException(nameof(access), access, "Not a defined FileAccess value.");
        bool write = access != FileAccess.Read;
        using LeaseGate.Lease lease = Enter();
        if (write)
            ThrowIfReadOnly();
        foreach (PmemRange range in ranges)
            CheckRange(range.Offset, range.Length);
        foreach (PmemRange range in ranges)
        {
            if (range.Length == 0)
                continue;
            byte* start = RangeControl.PagesCovering(baseAddress + range.Offset, (nuint)range.Length, out nuint pages);
            RangeControl.Advise(start, pages, Libc.MADV_WILLNEED); // only a head start: the populate below does the work either way
        }
        long total = 0;
        foreach (PmemRange range in ranges)
        {
            if (range.Length == 0)
                continue;
            byte* start = RangeControl.PagesCovering(baseAddress + range.Offset, (nuint)range.Length, out nuint pages);
            int errno = Prefaulter.Populate(start, pages, write);
            if (errno != 0)
                throw Errno.ToException(errno, write ? "madvise(MADV_POPULATE_WRITE)" : "madvise(MADV_POPULATE_READ)", Path,
                    $"offset {range.Offset}, {range.Length} bytes: a page could not be faulted in (the file truncated below the range, "
                    + "no block to allocate, or no memory); the pages before it may be mapped");
            total += range.Length;
        }
        if (total > 0)
            PmemMetrics.Prefetched(write, total);
    }

    /// <summary>
    /// Discards [offset, offset + length): afterwards the range reads as zeros, durably, and the file
    /// system gets the blocks of its whole pages back (a hole punched with
    /// fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), then fsync); the file keeps its length.
    /// Any offset and length are accepted: partial pages at the edges are zeroed and persisted in place.
    /// Where the file cannot have holes (device DAX, a file system without hole punching) the whole
    /// range is zeroed and persisted in place and nothing is freed. A zero length does nothing.
    /// </summary>
    /// <remarks>
    /// Spans and memory over the range stay valid and read zeros; a later write allocates a block
    /// again. A log can reclaim its consumed head this way without moving anything.
    /// </remarks>
    /// <returns>
    /// The bytes given back to the file system as a hole: the whole pages inside the range, or 0 when
    /// there are none or the file cannot have holes (everything was zeroed in place).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="IOException">The file system refused the hole (the range keeps its content) or fsync failed.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public long Discard(long offset, long length)
    {
        using LeaseGate.Lease lease = Enter();
        ThrowIfReadOnly();
        CheckRange(offset, length);
        if (length == 0)
            return 0;
        long page = (long)AddressSpace.PageSize;
        long end = offset + length;
        long firstWhole = (offset + page - 1) / page * page; // the mapping starts at file offset 0, so file and page alignment agree
        long lastWhole = end / page * page;

        long punched = 0;
        // Device DAX has no blocks to give back (no file system): zeroed in place below.
        if (lastWhole > firstWhole && mapping.Device is null && RangeControl.PunchHole(mapping.Handle.File.SafeFileHandle, firstWhole, lastWhole - firstWhole, Path))
            punched = lastWhole - firstWhole;
        if (punched == 0)
        {
            ZeroPersist(offset, length);
        }
        else
        {
            ZeroPersist(offset, firstWhole - offset);
            ZeroPersist(lastWhole, end - lastWhole);
        }
        PmemMetrics.Discarded(punched, length - punched);
        return punched;
    }

    /// <summary>Zeroes and persists part of a discarded range, under the caller's lease.</summary>
    private void ZeroPersist(long offset, long length)
    {
        if (length <= 0)
            return;
        strategy.FillPersist(baseAddress + offset, 0, (nuint)length);
        PmemMetrics.Persisted("fill", length);
    }

    /// <summary>
    /// Locks the pages covering [offset, offset + length) in memory (mlock): they are faulted in now
    /// and never paged out, until <see cref="Unlock"/> or <see cref="Dispose"/>. Locks do not nest
    /// (one <see cref="Unlock"/> undoes any number of locks) and do not extend to a range added by <see cref="Grow"/>.
    /// Allowed on a read-only mapping. A zero length does nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="PmemLockLimitException">
    /// The kernel refused: the process's RLIMIT_MEMLOCK (named with its value in the message) would be
    /// exceeded, or the process lacks CAP_IPC_LOCK where the limit is zero. The range is left unlocked.
    /// </exception>
    /// <exception cref="IOException">mlock failed for another reason.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public void Lock(long offset, long length)
    {
        using LeaseGate.Lease lease = Enter();
        CheckRange(offset, length);
        if (length == 0)
            return;
        int errno = RangeControl.Lock(baseAddress + offset, (nuint)length);
        if (errno == Libc.ENOMEM || errno == Libc.EPERM || errno == Libc.EAGAIN)
            throw LockRefused(errno, offset, length);
        if (errno != 0)
            throw Errno.ToException(errno, "mlock", Path, $"offset {offset}, {length} bytes");
        PmemMetrics.Locked(length);
    }

    /// <summary>
    /// Unlocks the pages covering [offset, offset + length) (munlock), whether or not they were
    /// locked. Allowed on a read-only mapping. A zero length does nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="IOException">munlock failed.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public void Unlock(long offset, long length)
    {
        using LeaseGate.Lease lease = Enter();
        CheckRange(offset, length);
        if (length == 0)
            return;
        int errno = RangeControl.Unlock(baseAddress + offset, (nuint)length);
        if (errno != 0)
            throw Errno.ToException(errno, "munlock", Path, $"offset {offset}, {length} bytes");
    }

    private PmemLockLimitException LockRefused(int errno, long offset, long length)
    {
        long? limit = RangeControl.MemoryLockLimit();
        long? locked = RangeControl.LockedBytes();
        string limitText = limit is { } l ? $"{l} bytes" : "unlimited";
        string lockedText = locked is { } k ? $", this process already holds {k} bytes locked" : "";
        return new PmemLockLimitException(
            $"mlock of {length} bytes at offset {offset} of '{Path}' was refused: {Errno.Describe(errno)}. "
            + $"RLIMIT_MEMLOCK (soft) is {limitText}{lockedText}. Raise the limit (ulimit -l, LimitMEMLOCK= in a systemd unit, "
            + "--ulimit memlock= for a container) or grant CAP_IPC_LOCK; the range is left unlocked.",
            limit, length, errno);
    }
}
