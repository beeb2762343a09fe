using System;

namespace PmdkSharp.Log;

/// <summary>The committed records of a <see cref="PmemLog"/> from a position on; enumerate it with <c>foreach</c> (no allocation).</summary>
public readonly struct LogRecordEnumerable
{
    private readonly PmemLog log;
    private readonly long start;
    private readonly long generation;

    internal LogRecordEnumerable(PmemLog log, long start, long generation)
    {
        this.log = log;
        this.start = start;
        this.generation = generation;
    }

    /// <summary>Starts the enumeration.</summary>
    public LogRecordEnumerator GetEnumerator() => new(log, start, generation);
}

/// <summary>Steps through committed records, checking each one's checksum.</summary>
public struct LogRecordEnumerator
{
    private readonly PmemLog log;
    private readonly long generation;
    private long next;
    private long current;
    private int length;

    internal LogRecordEnumerator(PmemLog log, long start, long generation)
    {
        this.log = log;
        this.generation = generation;
        next = start;
        current = -1;
    }

    /// <summary>Moves to the next committed record; false at the committed tail (a later call may find records committed meanwhile).</summary>
    /// <exception cref="InvalidOperationException">The log was truncated since the enumeration started, or its head was dropped past the enumeration.</exception>
    /// <exception cref="PmemLogCorruptException">The next record is damaged.</exception>
    public bool MoveNext()
    {
        if (log.Truncations != generation)
            throw new InvalidOperationException($"The log '{log.Path}' was truncated while it was being enumerated; start a new enumeration.");
        if (next < log.FirstPosition)
            throw new InvalidOperationException(
                $"The log '{log.Path}' dropped the records before {log.FirstPosition} (TruncateBefore) while this enumeration was at {next}; start a new enumeration from Start.");
        // Checked once here, not again by Current.
        if (!log.TryReadRecord(next, log.CommittedEnd, out current, out length, out long after))
            return false;
        next = after;
        return true;
    }

    /// <summary>The record <see cref="MoveNext"/> moved to.</summary>
    public readonly LogRecord Current => log.RecordAt(current, length, next);
}
