using System;

namespace PmdkSharp.Log;

/// <summary>
/// One committed record, read in place: <see cref="Payload"/> is a window onto the mapping, valid
/// until the log is truncated below <see cref="Position"/> or disposed. Copy it to keep it longer.
/// </summary>
public readonly ref struct LogRecord
{
    internal LogRecord(LogPosition position, LogPosition next, ReadOnlySpan<byte> payload)
    {
        Position = position;
        Next = next;
        Payload = payload;
    }

    /// <summary>Where the record starts (what <see cref="PmemLog.Append"/> returned for it).</summary>
    public LogPosition Position { get; }

    /// <summary>Where the next record starts (or will start): the position after this one.</summary>
    public LogPosition Next { get; }

    /// <summary>The record's bytes, checksum-verified.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}
