using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace PmdkSharp;

/// <summary>
/// The library's System.Diagnostics.Metrics instruments, under the meter <see cref="MeterName"/>.
/// Nothing is recorded unless a listener (dotnet-counters, OpenTelemetry, a MeterListener) has
/// enabled the instrument: the hot paths test <c>Enabled</c> first and do nothing else.
/// </summary>
public static class PmemMetrics
{
    /// <summary>The meter's name: <c>PmdkSharp</c>.</summary>
    public const string MeterName = "PmdkSharp";

    /// <summary>The one meter every PmdkSharp instrument is created on (<see cref="PmdkSharp.Log.LogMetrics"/> adds the log's).</summary>
    internal static readonly Meter Meter = new(MeterName, typeof(PmemMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> PersistedBytes = Meter.CreateCounter<long>(
        "pmdksharp.persist.bytes", "By", "Bytes made durable by Persist, Flush, CopyPersist and FillPersist.");

    private static readonly Counter<long> PersistCalls = Meter.CreateCounter<long>(
        "pmdksharp.persist.calls", "{call}", "Calls to Persist, Flush, CopyPersist and FillPersist.");

    private static readonly Counter<long> Grows = Meter.CreateCounter<long>(
        "pmdksharp.grows", "{grow}", "Grows that mapped a new tail.");

    private static readonly Histogram<double> PrefaultDuration = Meter.CreateHistogram<double>(
        "pmdksharp.prefault.duration", "s", "Time to map and prefault one range (at open and for each grown tail) when a PrefaultMode is set.");

    private static readonly Counter<long> PrefetchedBytes = Meter.CreateCounter<long>(
        "pmdksharp.prefetch.bytes", "By", "Bytes faulted in by PmemFile.Prefetch, tagged with the access: read or write.");

    private static readonly Counter<long> DiscardedBytes = Meter.CreateCounter<long>(
        "pmdksharp.discard.bytes", "By",
        "Bytes discarded by PmemFile.Discard, tagged punch (blocks given back to the file system) or zero (zeroed and persisted in place).");

    private static readonly Counter<long> LockedBytes = Meter.CreateCounter<long>(
        "pmdksharp.lock.bytes", "By", "Bytes locked in memory by successful PmemFile.Lock calls.");

    private static long mappedBytes;

    // A field initializer, not a static constructor, so the type stays beforefieldinit and the hot paths carry no init check.
    internal static readonly ObservableUpDownCounter<long> MappedBytes = Meter.CreateObservableUpDownCounter(
        "pmdksharp.mapped.bytes", () => Volatile.Read(ref mappedBytes), "By", "Bytes currently mapped by open PmemFile instances.");

    /// <summary>The operation tag's name on the persist instruments: <c>persist</c>, <c>flush</c>, <c>copy</c> or <c>fill</c>.</summary>
    internal const string OperationTag = "pmdksharp.operation";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Persisted(string operation, long bytes)
    {
        if (PersistCalls.Enabled || PersistedBytes.Enabled)
            RecordPersisted(operation, bytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RecordPersisted(string operation, long bytes)
    {
        var tag = new KeyValuePair<string, object?>(OperationTag, operation);
        PersistCalls.Add(1, tag);
        PersistedBytes.Add(bytes, tag);
    }

    internal static void Prefetched(bool write, long bytes)
    {
        if (PrefetchedBytes.Enabled)
            PrefetchedBytes.Add(bytes, new KeyValuePair<string, object?>("pmdksharp.access", write ? "write" : "read"));
    }

    internal static void Discarded(long punched, long zeroed)
    {
        if (!DiscardedBytes.Enabled)
            return;
        if (punched > 0)
            DiscardedBytes.Add(punched, new KeyValuePair<string, object?>("pmdksharp.discard.method", "punch"));
        if (zeroed > 0)
            DiscardedBytes.Add(zeroed, new KeyValuePair<string, object?>("pmdksharp.discard.method", "zero"));
    }

    internal static void Locked(long bytes)
    {
        if (LockedBytes.Enabled)
            LockedBytes.Add(bytes);
    }

    internal static void Mapped(long bytes) => Interlocked.Add(ref mappedBytes, bytes);

    internal static void Grew(long oldLength, long newLength)
    {
        Interlocked.Add(ref mappedBytes, newLength - oldLength);
        Grows.Add(1);
    }

    /// <summary>A timestamp to pass to <see cref="PrefaultEnd"/>, or 0 when nothing is measured.</summary>
    internal static long PrefaultStart(PrefaultMode mode) =>
        mode != PrefaultMode.None && PrefaultDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void PrefaultEnd(long start, PrefaultMode mode)
    {
        if (start != 0)
            PrefaultDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("pmdksharp.prefault.mode", mode.ToString()));
    }
}
