namespace PmdkSharp.Log;

/// <summary>What <see cref="PmemLog.Verify"/> found below the committed tail.</summary>
public sealed class LogVerification
{
    internal LogVerification(long records, LogPosition intactEnd, LogPosition end, LogPosition? corruptAt, string? error)
    {
        Records = records;
        IntactEnd = intactEnd;
        End = end;
        CorruptAt = corruptAt;
        Error = error;
    }

    /// <summary>True when every committed record is intact.</summary>
    public bool IsValid => Error is null;

    /// <summary>Intact records from the start (all of them when <see cref="IsValid"/>).</summary>
    public long Records { get; }

    /// <summary>The position after the last intact record: <see cref="End"/> when valid, else <see cref="CorruptAt"/>.</summary>
    public LogPosition IntactEnd { get; }

    /// <summary>The committed tail that was verified up to.</summary>
    public LogPosition End { get; }

    /// <summary>Where the first damaged record starts, or null.</summary>
    public LogPosition? CorruptAt { get; }

    /// <summary>What is wrong with the record at <see cref="CorruptAt"/>, or null.</summary>
    public string? Error { get; }

    /// <summary>A one-line summary.</summary>
    public override string ToString() => IsValid
        ? $"{Records} records intact up to {End}"
        : $"{Records} records intact, damage at {CorruptAt}: {Error}";
}
