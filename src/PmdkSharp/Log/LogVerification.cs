namespace PmdkSharp.Log;

/// <summary>What <see cref="PmemLog.Verify"/> found between the log's start and its committed end.</summary>
public sealed class LogVerification
{
    internal LogVerification(long records, long payloadBytes, LogPosition start, LogPosition intactEnd, LogPosition end, LogPosition? corruptAt, string? error, string pastEnd)
    {
        Records = records;
        PayloadBytes = payloadBytes;
        Start = start;
        IntactEnd = intactEnd;
        End = end;
        CorruptAt = corruptAt;
        Error = error;
        PastEnd = pastEnd;
    }

    /// <summary>True when every committed record is intact.</summary>
    public bool IsValid => Error is null;

    /// <summary>Intact records from the start (all of them when <see cref="IsValid"/>).</summary>
    public long Records { get; }

    /// <summary>The payload bytes of those records.</summary>
    public long PayloadBytes { get; }

    /// <summary>Where verification began: the log's first live record.</summary>
    public LogPosition Start { get; }

    /// <summary>The position after the last intact record: <see cref="End"/> when valid, else <see cref="CorruptAt"/>.</summary>
    public LogPosition IntactEnd { get; }

    /// <summary>The committed end that was verified up to.</summary>
    public LogPosition End { get; }

    /// <summary>Where the first damaged record starts, or null.</summary>
    public LogPosition? CorruptAt { get; }

    /// <summary>What is wrong with the record at <see cref="CorruptAt"/>, or null.</summary>
    public string? Error { get; }

    /// <summary>What lies at the committed end, in words: zeros, stale bytes, an uncommitted or dropped record (never read either way).</summary>
    public string PastEnd { get; }

    /// <summary>A one-line summary.</summary>
    public override string ToString() => IsValid
        ? $"{Records} records intact in [{Start}, {End})"
        : $"{Records} records intact from {Start}, damage at {CorruptAt}: {Error}";
}
