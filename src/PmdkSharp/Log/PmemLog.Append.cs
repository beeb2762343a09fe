using System;
using System.IO;
using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    // Appends in flight, under `gate`: each reservation takes a ticket; when its records are
    // persisted, its end goes into `finished` at the ticket's slot, and the contiguous prefix of
    // finished tickets moves `completedEnd`. One thread at a time (`committing`) writes and persists
    // the tail word up to `completedEnd`, for itself and for every thread whose records it covers,
    // then publishes it without the lock (`publishes`, `waiters`: see PublishCommit).
    private const int TicketSlots = 1024;

    private readonly long[] finished = new long[TicketSlots];
    private long reservedEnd;
    private long completedEnd;
    private long nextTicket;
    private long nextToComplete;
    private volatile bool committing;
    private int waiters;
    private long publishes;
    private Exception? failure;

    /// <summary>
    /// Appends one record and returns its position once the record and the tail that covers it are
    /// durable (two persists: the record, then the tail word).
    /// </summary>
    /// <exception cref="ArgumentException">The record is empty or longer than <see cref="MaxRecordLength"/>.</exception>
    /// <exception cref="PmemLogFullException">The record does not fit below <see cref="MaxLength"/>; nothing was written.</exception>
    /// <exception cref="NotSupportedException">The log is read-only.</exception>
    /// <exception cref="PmemOutOfSpaceException">The file system has no room to grow the file; nothing was written.</exception>
    /// <exception cref="IOException">Persisting failed; the log refuses further appends (reopen it to recover).</exception>
    public LogPosition Append(ReadOnlySpan<byte> record)
    {
        CheckRecord(record.Length, 0);
        long size = LogLayout.RecordSize(record.Length);
        (long start, long ticket) = Reserve(size);
        // One hold on the mapping for the whole append: the record, its persist and the tail.
        using PmemAccessScope scope = file.BeginAccess();
        try
        {
            var writer = new RecordWriter(scope, streamsRecords, batch: false);
            writer.Write(start, record);
            writer.Persist();
        }
        catch (Exception e) when (Fail(e))
        {
        }
        Commit(scope, ticket, start + size);
        return new LogPosition(start);
    }

    /// <summary>
    /// Appends several records at once, contiguous and in order, with one drain for all of them
    /// and one persist for the tail: either all of them are committed or, after a crash, none.
    /// Returns the first record's position; <paramref name="positions"/>, when not empty, receives
    /// each record's. An empty batch appends nothing and returns <see cref="End"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A record is empty or too long, or <paramref name="positions"/> is non-empty and shorter than the batch.</exception>
    /// <exception cref="PmemLogFullException">The batch does not fit below <see cref="MaxLength"/>; nothing was written.</exception>
    public LogPosition AppendBatch(ReadOnlySpan<ReadOnlyMemory<byte>> records, Span<LogPosition> positions = default)
    {
        if (!positions.IsEmpty && positions.Length < records.Length)
            throw new ArgumentException($"positions has room for {positions.Length} positions; the batch has {records.Length} records.", nameof(positions));
        if (records.IsEmpty)
        {
            ThrowIfNotWritable();
            return End;
        }
        long size = 0;
        for (int i = 0; i < records.Length; i++)
        {
            CheckRecord(records[i].Length, i);
            size += LogLayout.RecordSize(records[i].Length);
        }
        (long start, long ticket) = Reserve(size);
        using PmemAccessScope scope = file.BeginAccess();
        try
        {
            var writer = new RecordWriter(scope, streamsRecords, batch: true);
            long at = start;
            for (int i = 0; i < records.Length; i++)
            {
                if (!positions.IsEmpty)
                    positions[i] = new LogPosition(at);
                writer.Write(at, records[i].Span);
                at += LogLayout.RecordSize(records[i].Length);
            }
            writer.Persist(); // one drain for the batch (one msync off pmem)
        }
        catch (Exception e) when (Fail(e))
        {
        }
        Commit(scope, ticket, start + size);
        return new LogPosition(start);
    }

    private void CheckRecord(int length, int index)
    {
        ThrowIfNotWritable();
        if (length == 0)
            throw new ArgumentException($"Record {index} is empty; a log record must have at least one byte.", "record");
        if (length > options.MaxRecordLength)
            throw new ArgumentException($"Record {index} has {length} bytes, more than MaxRecordLength ({options.MaxRecordLength}).", "record");
    }

    /// <summary>Takes [reservedEnd, reservedEnd + size) and a ticket, growing the file first when needed.</summary>
    private (long Start, long Ticket) Reserve(long size)
    {
        lock (gate)
        {
            ThrowIfFailed();
            while (nextTicket - nextToComplete >= TicketSlots)
            {
                WaitForChange(Volatile.Read(ref publishes)); // the ring moves only under `gate`
                ThrowIfFailed();
            }
            long start = reservedEnd;
            long end = start + size;
            if (end > file.Length)
                GrowFor(end);
            reservedEnd = end;
            return (start, nextTicket++);
        }
    }

    /// <summary>Grows the file (doubling, at most 256 MiB at a time, within MaxLength) so that <paramref name="end"/> fits.</summary>
    private void GrowFor(long end)
    {
        long max = file.MaxLength;
        if (end > max)
            throw new PmemLogFullException(
                $"The log '{Path}' is full: {end - reservedEnd} more bytes at {reservedEnd} would reach {end}, past its MaxLength of {max} bytes " +
                $"({max - reservedEnd} bytes left). Truncate it, or reopen it with a larger MaxLength.");
        long length = file.Length;
        long target = Math.Max(end, length + Math.Min(length, 256L << 20));
        target = Math.Min((target + LogLayout.HeaderSize - 1) & ~(long)(LogLayout.HeaderSize - 1), max);
        file.Grow(target);
    }

    /// <summary>
    /// Marks the records of <paramref name="ticket"/> persisted and returns once the tail covering
    /// <paramref name="end"/> is durable, committing it (and whatever precedes it) if nobody else is.
    /// </summary>
    private void Commit(in PmemAccessScope scope, long ticket, long end)
    {
        Monitor.Enter(gate);
        bool locked = true;
        try
        {
            finished[ticket & (TicketSlots - 1)] = end;
            bool advanced = false;
            while (finished[nextToComplete & (TicketSlots - 1)] is var done && done != 0)
            {
                finished[nextToComplete & (TicketSlots - 1)] = 0;
                completedEnd = done;
                nextToComplete++;
                advanced = true;
            }
            if (advanced)
                WakeWaiters();
            while (true)
            {
                long seen = Volatile.Read(ref publishes); // before the state it decides on
                if (Volatile.Read(ref committedEnd) >= end)
                    return;
                ThrowIfFailed();
                if (committing || completedEnd < end)
                {
                    WaitForChange(seen); // an earlier append is still persisting, or another thread is committing
                    continue;
                }
                committing = true;
                long target = completedEnd;
                Monitor.Exit(gate);
                locked = false;
                try
                {
                    WriteTail(scope, target);
                }
                catch (Exception e)
                {
                    Monitor.Enter(gate);
                    locked = true;
                    committing = false;
                    failure ??= e;
                    WakeWaiters();
                    throw;
                }
                PublishCommit(target); // target >= end: this append is committed
                return;
            }
        }
        finally
        {
            if (locked)
                Monitor.Exit(gate);
        }
    }

    /// <summary>
    /// Publishes a durable tail without taking `gate` again (a lone appender then takes it once per
    /// commit, not twice): the state first, then a fenced count that waiters compare against, then
    /// a wake-up only if someone registered as waiting. <see cref="WaitForChange"/> is the other half.
    /// </summary>
    private void PublishCommit(long target)
    {
        Volatile.Write(ref committedEnd, target);
        committing = false;
        Interlocked.Increment(ref publishes);
        if (Volatile.Read(ref waiters) > 0)
        {
            lock (gate)
                Monitor.PulseAll(gate);
        }
    }

    /// <summary>The tail commit point: one aligned 8-byte store of the tail, then its persist.</summary>
    private static void WriteTail(in PmemAccessScope scope, long tail)
    {
        Volatile.Write(ref scope.AsRef<long>(LogLayout.TailOffset), tail);
        scope.Persist(LogLayout.TailOffset, sizeof(long));
    }

    /// <summary>
    /// Waits (holding `gate`) until another thread changes the append state. <paramref name="seen"/>
    /// is `publishes` as read before the caller looked at the state: a commit published without the
    /// lock since then is not waited for. Registering in `waiters` (fenced) before comparing makes
    /// <see cref="PublishCommit"/> either see the waiter and pulse, or be seen here.
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
