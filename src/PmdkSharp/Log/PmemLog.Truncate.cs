using System;
using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>
    /// Drops every record from <paramref name="position"/> on: the end moves back to it and the
    /// next append goes there. <c>Truncate(log.Start)</c> empties the log. One checkpoint persist:
    /// the new end and a new generation, so the dropped records can never come back, even where
    /// their bytes stay. Waits for appends in flight; the file keeps its length.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is outside [<see cref="Start"/>, <see cref="End"/>], or not a record's position.</exception>
    /// <exception cref="NotSupportedException">The log is read-only (or format 1).</exception>
    public void Truncate(LogPosition position)
    {
        ThrowIfWritableFormat();
        using (EnterGate())
        {
            WaitForAppendsInFlight();
            long end = Volatile.Read(ref committedEnd);
            CheckBoundary(position.Offset, end, nameof(position));
            if (position.Offset == end)
                return;
            WriteCheckpoint(checkpoint with { Hint = position.Offset, Generation = checkpoint.Generation + 1 });
            check = new RecordCheck(file, check.Format, check.Ring, checkpoint.Generation);
            Interlocked.Increment(ref truncations);
            reservedEnd = completedEnd = durableEnd = position.Offset;
            Volatile.Write(ref committedEnd, position.Offset);
        }
    }

    /// <summary>
    /// Drops every record before <paramref name="position"/> (the consumed head): <see cref="Start"/>
    /// moves there, reads before it throw, and the space is reused by later appends once the ring
    /// wraps. Positions stay what they were; none is ever reused for another record. One checkpoint
    /// persist, which also records the end as the recovery hint. Does not wait for appends.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is outside [<see cref="Start"/>, <see cref="End"/>], or not a record's position.</exception>
    /// <exception cref="NotSupportedException">The log is read-only (or format 1).</exception>
    public void TruncateBefore(LogPosition position)
    {
        ThrowIfWritableFormat();
        // Not EnterGate: the start is all this changes of what a lone appender uses, and it reads
        // it only as a bound, after the checkpoint that records it is durable.
        lock (gate)
        {
            ThrowIfFailed();
            long end = Volatile.Read(ref committedEnd);
            CheckBoundary(position.Offset, end, nameof(position));
            if (position.Offset == start && checkpoint.Hint == end)
                return;
            // Every record in [hint, end) carries the current generation, so the hint may move to the end.
            WriteCheckpoint(checkpoint with { Start = position.Offset, Hint = end });
            Volatile.Write(ref start, position.Offset);
        }
    }

    /// <summary>
    /// Drops the oldest records until the live ones take at most <paramref name="bytes"/> bytes
    /// (headers included): retention by size. Returns the new <see cref="Start"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public LogPosition KeepLast(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ThrowIfWritableFormat();
        lock (gate) // as TruncateBefore: no pause of a lone appender
        {
            long end = Volatile.Read(ref committedEnd);
            long at = start;
            while (end - at > bytes && TryReadRecord(at, end, out _, out _, out long next))
                at = next;
            TruncateBefore(new LogPosition(Math.Min(at, end)));
            return Start;
        }
    }

    /// <summary>Waits (holding `gate`) until no append is reserved but uncommitted.</summary>
    private void WaitForAppendsInFlight()
    {
        ThrowIfFailed();
        while (true)
        {
            long seen = Volatile.Read(ref publishes);
            if (reservedEnd == Volatile.Read(ref committedEnd)) // every commit is published by then
                return;
            WaitForChange(seen);
            ThrowIfFailed();
        }
    }

    private void ThrowIfWritableFormat()
    {
        ThrowIfNotWritable();
        if (check.Format == LogLayout.FormatOne)
            throw new NotSupportedException($"The log '{Path}' has format 1, which this library reads but does not change: PmemLog.Upgrade rewrites it.");
    }
}
