using System;
using System.Buffers.Binary;
using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>Enumerates the committed records from the start. Allocation-free: <c>foreach (LogRecord r in log.ReadAll())</c>.</summary>
    public LogRecordEnumerable ReadAll() => ReadFrom(Start);

    /// <summary>
    /// Enumerates the committed records from <paramref name="position"/> (a record's position, or
    /// <see cref="End"/>). The enumeration reads the committed tail at each step, so it also
    /// returns records committed while it runs, and never one that is not yet committed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not a record's position in the log.</exception>
    /// <exception cref="PmemLogCorruptException">The record at the position is damaged.</exception>
    public LogRecordEnumerable ReadFrom(LogPosition position)
    {
        ThrowIfDisposed();
        long end = Volatile.Read(ref committedEnd);
        CheckBoundary(position.Offset, end, nameof(position));
        return new LogRecordEnumerable(this, position.Offset, Volatile.Read(ref generation));
    }

    /// <summary>The committed record at <paramref name="position"/>, checksum-verified.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No committed record starts at the position.</exception>
    /// <exception cref="PmemLogCorruptException">The record there is damaged.</exception>
    public LogRecord Read(LogPosition position)
    {
        ThrowIfDisposed();
        long end = Volatile.Read(ref committedEnd);
        CheckBoundary(position.Offset, end, nameof(position));
        if (position.Offset == end)
            throw new ArgumentOutOfRangeException(nameof(position), position.Offset, $"{position} is the end of the log '{Path}': no record starts there yet.");
        return ReadRecord(position.Offset, end);
    }

    /// <summary>
    /// Drops every record from <paramref name="position"/> on: the committed tail moves back to it
    /// (one persisted 8-byte store) and the next append goes there. <c>Truncate(log.Start)</c> empties
    /// the log. Waits for appends in flight; the file keeps its length.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is past the end, or not a record's position.</exception>
    /// <exception cref="NotSupportedException">The log is read-only.</exception>
    public void Truncate(LogPosition position)
    {
        ThrowIfNotWritable();
        lock (gate)
        {
            ThrowIfFailed();
            while (true)
            {
                long seen = Volatile.Read(ref publishes);
                if (reservedEnd == Volatile.Read(ref committedEnd) && !committing)
                    break;
                WaitForChange(seen);
                ThrowIfFailed();
            }
            long end = Volatile.Read(ref committedEnd);
            CheckBoundary(position.Offset, end, nameof(position));
            if (position.Offset == end)
                return;
            Interlocked.Increment(ref generation);
            using (PmemAccessScope scope = file.BeginAccess())
                WriteTail(scope, position.Offset);
            reservedEnd = completedEnd = position.Offset;
            Volatile.Write(ref committedEnd, position.Offset);
        }
    }

    /// <summary>
    /// Checks every committed record (length, bounds, checksum) and reports what it found, without
    /// throwing for damage: the records before the first damaged one can still be read.
    /// </summary>
    public LogVerification Verify()
    {
        ThrowIfDisposed();
        long end = Volatile.Read(ref committedEnd);
        long at = LogLayout.DataStart;
        long records = 0;
        while (at < end)
        {
            string? error = CheckRecordAt(at, end, out long next);
            if (error is not null)
                return new LogVerification(records, new LogPosition(at), new LogPosition(end), new LogPosition(at), error);
            records++;
            at = next;
        }
        return new LogVerification(records, new LogPosition(at), new LogPosition(end), null, null);
    }

    /// <summary>Throws unless <paramref name="offset"/> is the end or the start of an intact committed record.</summary>
    private void CheckBoundary(long offset, long end, string parameter)
    {
        if (offset < LogLayout.DataStart || offset > end)
            throw new ArgumentOutOfRangeException(parameter, offset,
                $"Position {offset} lies outside the committed records of '{Path}' [{LogLayout.DataStart}, {end}].");
        if (offset == end)
            return;
        bool aligned = (offset & (LogLayout.Alignment - 1)) == 0;
        string? error = aligned ? CheckRecordAt(offset, end, out _) : "misaligned";
        if (error is null)
            return;
        // A header whose length and complement agree is a record whose bytes went bad; anything else is not a record's position.
        if (aligned && LooksLikeRecordHeader(offset, end))
            throw new PmemLogCorruptException($"The log '{Path}' is damaged below its committed tail ({end}): {error}", new LogPosition(offset));
        throw new ArgumentOutOfRangeException(parameter, offset,
            $"No intact record starts at position {offset} of '{Path}' (positions come from Append, a record's Position or Next, Start or End; Verify() finds damaged records).");
    }

    private bool LooksLikeRecordHeader(long at, long end)
    {
        if (end - at < LogLayout.RecordHeaderSize)
            return false;
        ReadOnlySpan<byte> header = file.GetReadOnlySpan(at, LogLayout.RecordHeaderSize);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        return length != 0 && BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == ~length && LogLayout.RecordSize((int)Math.Min(length, LogLayout.MaxPayload)) <= end - at;
    }

    /// <summary>Reads the record at <paramref name="at"/>, which must end by <paramref name="end"/>; throws if it is damaged.</summary>
    internal LogRecord ReadRecord(long at, long end)
    {
        string? error = CheckRecordAt(at, end, out long next);
        if (error is not null)
            throw new PmemLogCorruptException($"The log '{Path}' is damaged below its committed tail ({end}): {error}", new LogPosition(at));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.GetReadOnlySpan(at, sizeof(uint)));
        return new LogRecord(new LogPosition(at), new LogPosition(next), file.GetReadOnlySpan(at + LogLayout.RecordHeaderSize, length));
    }

    /// <summary>The record at <paramref name="at"/> that <see cref="ReadRecord"/> already checked.</summary>
    internal LogRecord RecordAt(long at, int length, long next) =>
        new(new LogPosition(at), new LogPosition(next), file.GetReadOnlySpan(at + LogLayout.RecordHeaderSize, length));

    /// <summary>Null when the record at <paramref name="at"/> is intact and ends by <paramref name="end"/>; otherwise what is wrong.</summary>
    private string? CheckRecordAt(long at, long end, out long next)
    {
        next = at;
        if (end - at < LogLayout.RecordHeaderSize)
            return $"the record at {at} would have {end - at} bytes before the tail, less than a record header.";
        ReadOnlySpan<byte> header = file.GetReadOnlySpan(at, LogLayout.RecordHeaderSize);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint check = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (check != ~length || length == 0 || length > LogLayout.MaxPayload)
            return $"the record at {at} has a damaged length field ({length}, check {check:X8}).";
        long size = LogLayout.RecordSize((int)length);
        if (size > end - at)
            return $"the record at {at} of {length} bytes runs past the tail.";
        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (LogLayout.Checksum(at, file.GetReadOnlySpan(at + LogLayout.RecordHeaderSize, (int)length)) != checksum)
            return $"the record at {at} of {length} bytes fails its checksum.";
        next = at + size;
        return null;
    }

    internal long CommittedEnd => Volatile.Read(ref committedEnd);

    internal long Generation => Volatile.Read(ref generation);
}
