using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace PmdkSharp.Log;

/// <summary>
/// <see cref="PmemLog"/>'s instruments, on the <c>PmdkSharp</c> meter beside <see cref="PmemMetrics"/>'s.
/// Like those, each costs one <c>Enabled</c> test until a listener enables it: the append path
/// calls these unconditionally, and only the slow halves (never inlined) record anything.
/// </summary>
internal static class LogMetrics
{
    private static readonly Counter<long> AppendedRecords = PmemMetrics.Meter.CreateCounter<long>(
        "pmdksharp.log.append.records", "{record}", "Records appended to a PmemLog and committed (Append counts 1, AppendBatch its batch).");

    private static readonly Counter<long> AppendedBytes = PmemMetrics.Meter.CreateCounter<long>(
        "pmdksharp.log.append.bytes", "By", "Payload bytes of the records appended to a PmemLog and committed.");

    private static readonly Histogram<double> AppendDuration = PmemMetrics.Meter.CreateHistogram<double>(
        "pmdksharp.log.append.duration", "s", "Time from an Append or AppendBatch call to its records being durable, waiting for the group commit included.");

    private static readonly Histogram<long> CommitRecords = PmemMetrics.Meter.CreateHistogram<long>(
        "pmdksharp.log.commit.records", "{record}", "Records one commit made durable: the group commit's size (1 when appends do not overlap).");

    private static readonly Counter<long> Flushes = PmemMetrics.Meter.CreateCounter<long>(
        "pmdksharp.log.flushes", "{flush}",
        "Flush-and-drain or msync operations a PmemLog issued; divided by pmdksharp.log.append.records, the flushes per append.");

    private static readonly Histogram<double> RecoveryDuration = PmemMetrics.Meter.CreateHistogram<double>(
        "pmdksharp.log.recovery.duration", "s", "Time PmemLog.Open took to recover an existing log (finding its end, verifying when asked).");

    private static readonly Counter<long> RecoveredRecords = PmemMetrics.Meter.CreateCounter<long>(
        "pmdksharp.log.recovery.records", "{record}",
        "Records PmemLog.Open read and validated past the end the log last recorded: after a crash, those appended since; none after a clean close.");

    /// <summary>A timestamp to pass to <see cref="Appended"/>, or 0 when the latency histogram is off (no clock read then).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long StartTimestamp() => AppendDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary><paramref name="records"/> records of <paramref name="bytes"/> payload bytes are committed; records the latency when <paramref name="startTimestamp"/> is not 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Appended(int records, long bytes, long startTimestamp)
    {
        if (AppendedRecords.Enabled || AppendedBytes.Enabled || startTimestamp != 0)
            RecordAppended(records, bytes, startTimestamp);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RecordAppended(int records, long bytes, long startTimestamp)
    {
        AppendedRecords.Add(records);
        AppendedBytes.Add(bytes);
        if (startTimestamp != 0)
            AppendDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
    }

    /// <summary>One commit made <paramref name="records"/> records durable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Committed(int records)
    {
        if (CommitRecords.Enabled)
            CommitRecords.Record(records);
    }

    /// <summary>The log issued <paramref name="flushes"/> flush+drain or msync operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Flushed(int flushes)
    {
        if (Flushes.Enabled)
            Flushes.Add(flushes);
    }

    /// <summary>An open recovered <paramref name="records"/> records past the recorded end in <paramref name="elapsed"/>.</summary>
    internal static void Recovered(long records, TimeSpan elapsed)
    {
        RecoveredRecords.Add(records);
        RecoveryDuration.Record(elapsed.TotalSeconds);
    }
}
