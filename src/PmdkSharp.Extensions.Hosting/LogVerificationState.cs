using System;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>What the host last found reading a log's records: how many are intact, up to where, and the first damage.</summary>
internal sealed record LogCheck(long Records, LogPosition Start, LogPosition VerifiedEnd, LogPosition? DamagedAt, string? Damage, DateTimeOffset At)
{
    public bool IsIntact => DamagedAt is null;

    public override string ToString() => IsIntact
        ? $"{Records} records intact up to {VerifiedEnd}"
        : $"damaged at {DamagedAt}: {Damage} ({Records} records before it are intact)";
}

/// <summary>
/// Keeps one log's verification up to date without reading it all each time: a health check reads only the
/// records committed since the last one, and reads everything again only when the start moved or the end
/// went back (a truncation), or after damage was found.
/// </summary>
internal sealed class LogVerificationState(TimeProvider clock)
{
    private readonly object gate = new();
    private LogCheck? last;

    public LogCheck? Last
    {
        get
        {
            lock (gate)
                return last;
        }
    }

    /// <summary>Every committed record, checked from the start.</summary>
    public LogCheck VerifyAll(PmemLog log)
    {
        lock (gate)
            return last = Full(log);
    }

    /// <summary>The records committed since the last check (all of them when that cannot be relied on).</summary>
    public LogCheck Refresh(PmemLog log)
    {
        lock (gate)
        {
            LogPosition start = log.Start;
            if (last is not { IsIntact: true } previous || previous.Start != start || log.End < previous.VerifiedEnd)
                return last = Full(log);
            long records = previous.Records;
            LogPosition end = previous.VerifiedEnd;
            try
            {
                foreach (LogRecord record in log.ReadFrom(end))
                {
                    records++;
                    end = record.Next;
                }
            }
            catch (PmemLogCorruptException e)
            {
                return last = new LogCheck(records, start, end, e.Position, e.Message, clock.GetUtcNow());
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
            {
                return last = Full(log); // truncated under the check: read it all again
            }
            return last = new LogCheck(records, start, end, null, null, clock.GetUtcNow());
        }
    }

    private LogCheck Full(PmemLog log)
    {
        LogPosition start = log.Start;
        LogVerification verification = log.Verify();
        return new LogCheck(verification.Records, start, verification.IntactEnd, verification.CorruptAt, verification.Error, clock.GetUtcNow());
    }
}
