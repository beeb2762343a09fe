using System;
using System.Globalization;

namespace PmdkSharp.Log;

/// <summary>
/// Where a record starts in a <see cref="PmemLog"/>: a byte position that grows with every append
/// and is never reused (the record's offset in the file until the log's ring first wraps). Positions
/// order records; one saved by an application (a checkpoint, say) can be turned back into a
/// position with <see cref="LogPosition(long)"/> and passed to <see cref="PmemLog.ReadFrom"/>,
/// <see cref="PmemLog.TruncateBefore"/> or <see cref="PmemLog.Truncate"/>, which check it.
/// </summary>
public readonly struct LogPosition : IEquatable<LogPosition>, IComparable<LogPosition>
{
    /// <summary>A position from its byte offset (for example one an application stored earlier).</summary>
    public LogPosition(long offset) => Offset = offset;

    /// <summary>The byte position (the file offset until the log first wraps; see <see cref="PmemLog.Capacity"/>).</summary>
    public long Offset { get; }

    /// <inheritdoc/>
    public bool Equals(LogPosition other) => Offset == other.Offset;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LogPosition other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Offset.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(LogPosition other) => Offset.CompareTo(other.Offset);

    /// <summary>The offset, for logs and diagnostics.</summary>
    public override string ToString() => Offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>Same offset.</summary>
    public static bool operator ==(LogPosition left, LogPosition right) => left.Offset == right.Offset;

    /// <summary>Different offsets.</summary>
    public static bool operator !=(LogPosition left, LogPosition right) => left.Offset != right.Offset;

    /// <summary>Earlier in the log.</summary>
    public static bool operator <(LogPosition left, LogPosition right) => left.Offset < right.Offset;

    /// <summary>Later in the log.</summary>
    public static bool operator >(LogPosition left, LogPosition right) => left.Offset > right.Offset;

    /// <summary>Earlier or the same.</summary>
    public static bool operator <=(LogPosition left, LogPosition right) => left.Offset <= right.Offset;

    /// <summary>Later or the same.</summary>
    public static bool operator >=(LogPosition left, LogPosition right) => left.Offset >= right.Offset;
}
