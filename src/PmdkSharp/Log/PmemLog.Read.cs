using System;
using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>Enumerates the committed records from the start. Allocation-free: <c>foreach (LogRecord r in log.ReadAll())</c>.</summary>
    public LogRecordEnumerable ReadAll() => ReadFrom(Start);

    /// <summary>
    /// Enumerates the committed records from <paramref name="position"/> (a record's position, or
    /// <see cref="End"/>). The enumeration reads the committed end at each step, so it also
    /// returns records committed while it runs, and never one that is not yet committed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not a record's position in the log (or lies before <see cref="Start"/>).</exception>
    /// <exception cref="PmemLogCorruptException">The record at the position is damaged.</exception>
    public LogRecordEnumerable ReadFrom(LogPosition position)
    {
        ThrowIfDisposed();
        long end = Volatile.Read(ref committedEnd);
        CheckBoundary(position.Offset, end, nameof(position));
        return new LogRecordEnumerable(this, position.Offset, Volatile.Read(ref truncations));
    }

    /// <summary>The committed record at <paramref name="position"/>, checksum-verified.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No committed record starts at the position.</exception>
    /// <exception cref="PmemLogCorruptException">The record there is damaged.</exception>
    public LogRecord Read(LogPosition position)
    {
        ThrowIfDisposed();
        long end = Volatile.Read(ref committedEnd);
        CheckBoundary(position.Offset, end, nameof(position));
        if (NextRecord(position.Offset, end) == end)
            throw new ArgumentOutOfRangeException(nameof(position), position.Offset, $"{position} is the end of the log '{Path}': no record starts there yet.");
        return ReadRecord(position.Offset, end);
    }

    /// <summary>
    /// Checks every committed record (length, bounds, checksum) from <see cref="Start"/> and reports
    /// what it found, without throwing for damage: the records before the first damaged one can
    /// still be read.
    /// </summary>
    public LogVerification Verify()
    {
        ThrowIfDisposed();
        RecordCheck current = check;
        long end = Volatile.Read(ref committedEnd);
        long first = Volatile.Read(ref start);
        long at = first;
        long records = 0, bytes = 0;
        while (at < end)
        {
            RecordKind kind = current.Examine(at, end, currentGenerationOnly: false, out int length, out long next, out string? error);
            if (kind == RecordKind.Invalid)
                return new LogVerification(records, bytes, new LogPosition(first), new LogPosition(at), new LogPosition(end), new LogPosition(at), error, DescribePastEnd(current, end));
            if (kind == RecordKind.Record)
            {
                records++;
                bytes += length;
            }
            at = next;
        }
        return new LogVerification(records, bytes, new LogPosition(first), new LogPosition(Math.Min(at, end)), new LogPosition(end), null, null, DescribePastEnd(current, end));
    }

    /// <summary>What lies at the committed end: nothing yet, or bytes a crash or a truncation left there (never read as records).</summary>
    private string DescribePastEnd(RecordCheck current, long end)
    {
        if (current.Format == LogLayout.FormatOne && end >= file.Length)
            return "the end of the file";
        long physical = current.Ring.Physical(end);
        int window = (int)Math.Min(Math.Min(current.Ring.RoomBeforeEnd(end), LogLayout.RecordHeaderSize), Math.Max(0, file.Length - physical));
        if (window == 0)
            return "the end of the record area";
        if (file.GetReadOnlySpan(physical, window).IndexOfAnyExcept((byte)0) < 0)
            return "zeros (nothing written past the end)";
        return current.Format != LogLayout.FormatOne && current.LooksLikeRecordHeader(end, long.MaxValue)
            ? "an uncommitted or dropped record (never read; the next append overwrites it)"
            : "stale bytes (never read; the next append overwrites them)";
    }

    /// <summary>
    /// Throws unless <paramref name="offset"/> is the end, the start of an intact committed record,
    /// or a record's end from which the rest of a lap is skipped.
    /// </summary>
    private void CheckBoundary(long offset, long end, string parameter)
    {
        long first = Volatile.Read(ref start);
        if (offset < first || offset > end)
            throw new ArgumentOutOfRangeException(parameter, offset,
                $"Position {offset} lies outside the committed records of '{Path}' [{first}, {end}]" +
                (offset < first && offset >= LogLayout.DataStart ? " (records before the start were dropped by TruncateBefore)." : "."));
        if (offset == end)
            return;
        RecordCheck current = check;
        bool aligned = (offset & (LogLayout.Alignment - 1)) == 0;
        string? error = "misaligned";
        if (aligned)
        {
            RecordKind kind = current.Examine(offset, end, currentGenerationOnly: false, out _, out long next, out error);
            if (kind == RecordKind.Record || (kind == RecordKind.Skip && next <= end))
                return;
        }
        // A header whose length is plausible is a record whose bytes went bad; anything else is not a record's position.
        if (aligned && current.LooksLikeRecordHeader(offset, end))
            throw new PmemLogCorruptException($"The log '{Path}' is damaged below its committed end ({end}): {error}", new LogPosition(offset));
        throw new ArgumentOutOfRangeException(parameter, offset,
            $"No intact record starts at position {offset} of '{Path}' (positions come from Append, a record's Position or Next, Start or End; Verify() finds damaged records).");
    }

    /// <summary>The position of the record at or after <paramref name="at"/>, past a skipped lap end (or <paramref name="end"/>).</summary>
    private long NextRecord(long at, long end)
    {
        RecordCheck current = check;
        while (at < end && current.Examine(at, end, currentGenerationOnly: false, out _, out long next, out _) == RecordKind.Skip)
            at = next;
        return Math.Min(at, end);
    }

    /// <summary>
    /// Reads the record at (or, past a skipped lap end, after) <paramref name="at"/>, which must end
    /// by <paramref name="end"/>; throws if it is damaged. False at <paramref name="end"/>.
    /// </summary>
    internal bool TryReadRecord(long at, long end, out long position, out int length, out long next)
    {
        RecordCheck current = check;
        while (true)
        {
            position = at;
            length = 0;
            next = at;
            if (at >= end)
                return false;
            RecordKind kind = current.Examine(at, end, currentGenerationOnly: false, out length, out next, out string? error);
            if (kind == RecordKind.Record)
                return true;
            if (kind == RecordKind.Invalid)
                throw new PmemLogCorruptException($"The log '{Path}' is damaged below its committed end ({end}): {error}", new LogPosition(at));
            at = next;
        }
    }

    private LogRecord ReadRecord(long at, long end)
    {
        TryReadRecord(at, end, out long position, out int length, out long next);
        return RecordAt(position, length, next);
    }

    /// <summary>The record at <paramref name="at"/> that <see cref="TryReadRecord"/> already checked.</summary>
    internal LogRecord RecordAt(long at, int length, long next) =>
        new(new LogPosition(at), new LogPosition(next), check.Payload(at, length));

    internal long CommittedEnd => Volatile.Read(ref committedEnd);

    /// <summary>Appends made by the lone appender outside `gate` (see <see cref="LoneAppender"/>).</summary>
    internal long LoneAppends => lone.Sections;

    internal long FirstPosition => Volatile.Read(ref start);

    internal long Truncations => Volatile.Read(ref truncations);
}
