using System;
using System.IO;
using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    // Appends in flight, under `gate`: each reservation takes a ticket; when its records are
    // written (and, on pmem, flushed), its end goes into `finished` at the ticket's slot, and the
    // contiguous prefix of finished tickets moves `completedEnd`. The committed end follows it: at
    // once where records persist themselves; elsewhere each appender whose records are completed
    // and not yet covered msyncs [committedEnd, completedEnd) outside the lock, for itself and
    // every append the range holds. Appenders do not wait for a covering msync another thread
    // started: their msyncs run at once, which the kernel makes one device flush where they
    // overlap, and which on tmpfs costs less than sleeping until another thread publishes. What
    // they made durable is published when the last msync running ends (`msyncing` back to 0) and
    // none failed: Linux reports a write-back error to one msync of the file, whichever range it
    // asked for, so an msync that succeeded proves its range only once every msync that ran
    // beside it succeeded too.
    private const int TicketSlots = 1024;

    private readonly long[] finished = new long[TicketSlots];
    private readonly int[] finishedRecords = new int[TicketSlots];
    private long reservedEnd;
    private long completedEnd;
    private long completedRecords;
    private long committedRecords;
    private int msyncing;
    private long durableEnd;
    private long durableRecords;
    private long nextTicket;
    private long nextToComplete;
    private int waiters;
    private long publishes;
    private Exception? failure;

    /// <summary>
    /// How far the committed end may run ahead of the checkpoint's hint before an append moves the
    /// hint up: what a recovery, or a reader opening the log, reads past the hint stays this small.
    /// </summary>
    internal const long HintInterval = 4 << 20;

    /// <summary>The checkpoint's hint, readable without `gate`.</summary>
    private long postedHint;

    /// <summary>Where an append's records go: the first position, the end, a wrap marker if the lap's rest is skipped.</summary>
    private readonly record struct Reservation(long Start, long End, long Ticket, long Marker, long PhysicalDelta, ulong Generation);

    /// <summary>
    /// Appends one record and returns its position once the record, and every record before it,
    /// is durable: one flush of the record's own bytes (a flush and fence on persistent memory, an
    /// msync elsewhere, shared with concurrent appenders).
    /// </summary>
    /// <exception cref="ArgumentException">The record is empty or longer than <see cref="MaxRecordLength"/>.</exception>
    /// <exception cref="PmemLogFullException">The live records and this one would exceed <see cref="Capacity"/>; nothing was written.</exception>
    /// <exception cref="NotSupportedException">The log is read-only.</exception>
    /// <exception cref="PmemOutOfSpaceException">The file system has no room to grow the file; nothing was written.</exception>
    /// <exception cref="IOException">Persisting failed; the log refuses further appends (reopen it to recover).</exception>
    public LogPosition Append(ReadOnlySpan<byte> record)
    {
        long started = LogMetrics.StartTimestamp();
        CheckRecord(record.Length, 0);
        if (TryAppendAlone(record, out LogPosition position))
        {
            AdvanceHintIfBehind();
            LogMetrics.Appended(1, record.Length, started);
            return position;
        }
        Reservation reservation = Reserve(LogLayout.RecordSize(record.Length));
        // One hold on the mapping for the whole append: the record, its flush and the commit.
        using PmemAccessScope scope = file.BeginAccess();
        try
        {
            var writer = new RecordWriter(scope, recordsPersistThemselves, batch: false, reservation.PhysicalDelta, reservation.Generation);
            if (reservation.Marker >= 0)
                writer.WriteWrapMarker(reservation.Marker, check.Ring.Physical(reservation.Marker));
            writer.Write(reservation.Start, record);
            Finish(ref writer);
        }
        catch (Exception e) when (Fail(e))
        {
        }
        Commit(scope, reservation, 1);
        AdvanceHintIfBehind();
        LogMetrics.Appended(1, record.Length, started);
        return new LogPosition(reservation.Start);
    }

    /// <summary>
    /// Appends several records at once, contiguous and in order, with one flush for all of them:
    /// either all of them are committed or, after a crash, none. Returns the first record's
    /// position; <paramref name="positions"/>, when not empty, receives each record's. An empty
    /// batch appends nothing and returns <see cref="End"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A record is empty or too long, or <paramref name="positions"/> is non-empty and shorter than the batch.</exception>
    /// <exception cref="PmemLogFullException">The batch does not fit in <see cref="Capacity"/> beside the live records; nothing was written.</exception>
    public LogPosition AppendBatch(ReadOnlySpan<ReadOnlyMemory<byte>> records, Span<LogPosition> positions = default)
    {
        long started = LogMetrics.StartTimestamp();
        if (!positions.IsEmpty && positions.Length < records.Length)
            throw new ArgumentException($"positions has room for {positions.Length} positions; the batch has {records.Length} records.", nameof(positions));
        if (records.IsEmpty)
        {
            ThrowIfNotWritable();
            return End;
        }
        long size = 0, bytes = 0;
        for (int i = 0; i < records.Length; i++)
        {
            CheckRecord(records[i].Length, i);
            size += LogLayout.RecordSize(records[i].Length);
            bytes += records[i].Length;
        }
        Reservation reservation = Reserve(size);
        using PmemAccessScope scope = file.BeginAccess();
        try
        {
            var writer = new RecordWriter(scope, recordsPersistThemselves, batch: true, reservation.PhysicalDelta, reservation.Generation);
            if (reservation.Marker >= 0)
                writer.WriteWrapMarker(reservation.Marker, check.Ring.Physical(reservation.Marker));
            long at = reservation.Start;
            for (int i = 0; i < records.Length; i++)
            {
                if (!positions.IsEmpty)
                    positions[i] = new LogPosition(at);
                writer.Write(at, records[i].Span, batchContinues: i < records.Length - 1);
                at += LogLayout.RecordSize(records[i].Length);
            }
            Finish(ref writer);
        }
        catch (Exception e) when (Fail(e))
        {
        }
        Commit(scope, reservation, records.Length);
        AdvanceHintIfBehind();
        LogMetrics.Appended(records.Length, bytes, started);
        return new LogPosition(reservation.Start);
    }

    /// <summary>
    /// The lone appender's append (see <see cref="LoneAppender"/>): no other thread appends, so no
    /// ticket, no group and no lock; the same record write and the same persist of its bytes as the
    /// locked path, then the ends move to the record's end with plain stores, which the fence that
    /// ended the persist orders after it. Returns false, having written nothing, to the caller to
    /// take the locked path: when another thread holds or wants the state, or when the record needs
    /// what only that path does (growing the file, a wrap, a full log, a failed log).
    /// </summary>
    private bool TryAppendAlone(ReadOnlySpan<byte> record, out LogPosition position)
    {
        position = default;
        if (!lone.TryEnter())
            return false;
        bool inside = true;
        try
        {
            RecordCheck current = check;
            LogRing ring = current.Ring;
            long at = reservedEnd;
            long size = LogLayout.RecordSize(record.Length);
            long end = at + size;
            long physical = ring.Physical(at);
            // The start may move meanwhile (TruncateBefore does not pause this path): an older one is a stricter bound.
            if (failure is not null || size > ring.RoomBeforeEnd(at) || end - Volatile.Read(ref start) > ring.Capacity || physical + size > file.Length)
                return false;
            using (PmemAccessScope scope = file.BeginAccess())
            {
                var writer = new RecordWriter(scope, recordsPersistThemselves, batch: false, physical - at, current.Generation);
                writer.Write(at, record);
                Finish(ref writer);
                if (!recordsPersistThemselves)
                    PersistRange(scope, at, end);
            }
            reservedEnd = completedEnd = end;
            Volatile.Write(ref committedEnd, end);
            LogMetrics.Committed(1);
            position = new LogPosition(at);
            return true;
        }
        catch (Exception e)
        {
            // Leave the section before `gate`: a thread pausing the lone appender holds it and waits for that.
            lone.Exit();
            inside = false;
            Fail(e);
            throw;
        }
        finally
        {
            if (inside)
                lone.Exit();
        }
    }

    /// <summary>Persists a checkpoint with the committed end as the hint once it is <see cref="HintInterval"/> ahead (one persist per that many bytes).</summary>
    private void AdvanceHintIfBehind()
    {
        if (Volatile.Read(ref committedEnd) - Volatile.Read(ref postedHint) < HintInterval)
            return;
        lock (gate)
        {
            // Every record in [hint, committedEnd) is committed and carries the current generation.
            if (failure is null && committedEnd - checkpoint.Hint >= HintInterval)
                WriteCheckpoint(checkpoint with { Hint = committedEnd });
        }
    }

    /// <summary>On persistent memory the appender flushes and drains its own records; elsewhere the commit msyncs them.</summary>
    private void Finish(ref RecordWriter writer)
    {
        if (!recordsPersistThemselves)
        {
            writer.Complete();
            return;
        }
        writer.Persist();
        LogMetrics.Flushed(1);
    }

    private void CheckRecord(int length, int index)
    {
        ThrowIfNotWritable();
        if (check.Format == LogLayout.FormatOne)
            throw new NotSupportedException($"The log '{Path}' has format 1, which this library reads but does not append to: PmemLog.Upgrade rewrites it.");
        if (length == 0)
            throw new ArgumentException($"Record {index} is empty; a log record must have at least one byte.", "record");
        if (length > options.MaxRecordLength)
            throw new ArgumentException($"Record {index} has {length} bytes, more than MaxRecordLength ({options.MaxRecordLength}).", "record");
    }

    /// <summary>
    /// Takes the next <paramref name="size"/> bytes of positions and a ticket, growing the file
    /// first when needed. Records never cross the ring's end: when they do not fit before it, the
    /// rest of the lap is skipped (marked, when a record header fits there) and they start the next lap.
    /// </summary>
    private Reservation Reserve(long size)
    {
        using (EnterGate(appending: true))
        {
            ThrowIfFailed();
            while (nextTicket - nextToComplete >= TicketSlots)
            {
                WaitForChange(Volatile.Read(ref publishes)); // the ring moves only under `gate`
                ThrowIfFailed();
            }
            LogRing ring = check.Ring;
            long at = reservedEnd;
            long marker = -1;
            long room = ring.RoomBeforeEnd(at);
            if (size > room)
            {
                if (room >= LogLayout.RecordHeaderSize)
                    marker = at;
                at += room;
            }
            long end = at + size;
            if (end - start > ring.Capacity)
                throw new PmemLogFullException(
                    $"The log '{Path}' is full: {size} more bytes at {reservedEnd} would make its live records [{start}, {end}) " +
                    $"{end - start} bytes, more than its capacity of {ring.Capacity} bytes. Drop consumed records with TruncateBefore " +
                    "(or Truncate), or reopen it with a larger MaxLength before it first wraps.");
            long physical = ring.Physical(at);
            long needed = marker >= 0 ? ring.Physical(marker) + LogLayout.RecordHeaderSize : physical + size;
            if (needed > file.Length)
                GrowFor(needed);
            reservedEnd = end;
            return new Reservation(at, end, nextTicket++, marker, physical - at, check.Generation);
        }
    }

    /// <summary>Grows the file (doubling, at most 256 MiB at a time, within MaxLength) so that <paramref name="fileEnd"/> fits.</summary>
    private void GrowFor(long fileEnd)
    {
        long length = file.Length;
        long target = Math.Max(fileEnd, length + Math.Min(length, 256L << 20));
        target = Math.Min((target + LogLayout.HeaderSize - 1) & ~(long)(LogLayout.HeaderSize - 1), file.MaxLength);
        file.Grow(target);
    }

    /// <summary>
    /// Marks the records of <paramref name="reservation"/> written and returns once they and every
    /// record before them are durable: committed by this thread's msync, or by another thread's
    /// that covered them first.
    /// </summary>
    private void Commit(in PmemAccessScope scope, in Reservation reservation, int records)
    {
        long end = reservation.End;
        Monitor.Enter(gate);
        bool locked = true;
        try
        {
            finished[reservation.Ticket & (TicketSlots - 1)] = end;
            finishedRecords[reservation.Ticket & (TicketSlots - 1)] = records;
            bool advanced = false;
            while (finished[nextToComplete & (TicketSlots - 1)] is var done && done != 0)
            {
                finished[nextToComplete & (TicketSlots - 1)] = 0;
                completedEnd = done;
                completedRecords += finishedRecords[nextToComplete & (TicketSlots - 1)];
                nextToComplete++;
                advanced = true;
            }
            if (advanced)
                WakeWaiters();
            while (true)
            {
                long seen = Volatile.Read(ref publishes); // before the state it decides on
                if (committedEnd >= end)
                    return;
                ThrowIfFailed();
                if (completedEnd < end || durableEnd >= end)
                {
                    // An earlier append is still writing (its appender's msync will cover this one),
                    // or a finished msync covered it and waits for the msyncs still running.
                    WaitForChange(seen);
                    continue;
                }
                long from = committedEnd, to = completedEnd, completed = completedRecords;
                if (!recordsPersistThemselves)
                {
                    msyncing++;
                    Monitor.Exit(gate);
                    locked = false;
                    try
                    {
                        PersistRange(scope, from, to);
                    }
                    catch (Exception e)
                    {
                        // Its range never becomes durable, nor what the msyncs beside it covered:
                        // nothing is published past the committed end from now on.
                        Monitor.Enter(gate);
                        locked = true;
                        msyncing--;
                        failure ??= e;
                        WakeWaiters();
                        throw;
                    }
                    Monitor.Enter(gate);
                    locked = true;
                    msyncing--;
                    if (to > durableEnd)
                        (durableEnd, durableRecords) = (to, completed);
                    if (msyncing > 0)
                        continue; // the last msync running publishes what this one made durable
                    (to, completed) = (durableEnd, durableRecords);
                }
                if (to > committedEnd && failure is null)
                {
                    LogMetrics.Committed((int)(completed - committedRecords));
                    committedRecords = completed;
                    Publish(to);
                }
            }
        }
        finally
        {
            if (locked)
                Monitor.Exit(gate);
        }
    }

    /// <summary>The msync path's commit: one persist of [from, to), one per lap it touches.</summary>
    private void PersistRange(in PmemAccessScope scope, long from, long to)
    {
        LogRing ring = check.Ring;
        int flushes = 0;
        while (from < to)
        {
            long length = Math.Min(to - from, ring.RoomBeforeEnd(from));
            scope.Persist(ring.Physical(from), length);
            flushes++;
            from += length;
        }
        LogMetrics.Flushed(flushes);
    }

    /// <summary>Publishes a durable end (holding `gate`): the state, then the count waiters compare against, then a wake-up if anyone waits.</summary>
    private void Publish(long durableEnd)
    {
        Volatile.Write(ref committedEnd, durableEnd);
        Volatile.Write(ref publishes, publishes + 1);
        WakeWaiters();
    }

    /// <summary>
    /// Waits (holding `gate`) until another thread changes the append state. <paramref name="seen"/>
    /// is `publishes` as read before the caller looked at the state: a change published since then
    /// is not waited for.
    /// </summary>
    private void WaitForChange(long seen)
    {
        Interlocked.Increment(ref waiters);
        try
        {
            if (Volatile.Read(ref publishes) == seen)
                Monitor.Wait(gate);
        }
        finally
        {
            Interlocked.Decrement(ref waiters);
        }
    }

    /// <summary>Wakes the threads in <see cref="WaitForChange"/> (holding `gate`); a lone appender skips the pulse.</summary>
    private void WakeWaiters()
    {
        if (Volatile.Read(ref waiters) > 0)
            Monitor.PulseAll(gate);
    }

    /// <summary>
    /// A reservation that failed to be written or persisted leaves a hole below later ones: no later
    /// append may commit past it. Used as an exception filter: records the failure, returns false so
    /// the exception goes on to the caller unchanged.
    /// </summary>
    private bool Fail(Exception e)
    {
        lock (gate)
        {
            failure ??= e;
            WakeWaiters();
        }
        return false;
    }

    private void ThrowIfFailed()
    {
        if (failure is not null)
            throw new IOException(
                $"The log '{Path}' refuses appends: an earlier append failed to persist ({failure.GetType().Name}: {failure.Message}). " +
                "Records committed before it are intact; dispose and reopen the log.", failure);
    }
}
