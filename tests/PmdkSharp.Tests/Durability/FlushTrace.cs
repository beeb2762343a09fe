using System;
using System.Collections.Generic;
using System.Linq;
using PmdkSharp.TestHost.Durability;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>A flush of a range (cache lines written back, or a copy or fill that flushes its destination) or a drain.</summary>
internal readonly record struct FlushEvent(bool IsDrain, ulong Address, ulong Length, string What);

/// <summary>
/// Checks a persisting call's trace of flushes and drains against its <see cref="PersistPromise"/>:
/// the flushed bytes are exactly the promised ones (at the trace's granularity: bytes for libpmem's
/// log, cache lines for the recording flusher), and a promise of durability has a drain after the
/// last flush. One checker for both harnesses, so they hold the library to the same rule.
/// </summary>
internal static class FlushTrace
{
    public static void AssertKept(string name, PersistPromise promise, ulong baseAddress, IReadOnlyList<FlushEvent> events, ulong granularity)
    {
        List<(ulong Start, ulong End)> promised = Merge(promise.Ranges
            .Where(r => r.Length > 0)
            .Select(r => (baseAddress + (ulong)r.Offset, (ulong)r.Length)), granularity);
        List<(ulong Start, ulong End)> flushed = Merge(events
            .Where(e => !e.IsDrain && e.Length > 0)
            .Select(e => (e.Address, e.Length)), granularity);
        string trace = Describe(events, baseAddress);
        Assert.True(promised.SequenceEqual(flushed),
            $"{name}: promised {Show(promised, baseAddress)}, flushed {Show(flushed, baseAddress)} (granularity {granularity} B); trace: {trace}");

        if (!promise.Drains)
            return;
        int lastFlush = events.ToList().FindLastIndex(e => !e.IsDrain);
        int lastDrain = events.ToList().FindLastIndex(e => e.IsDrain);
        Assert.True(lastDrain > lastFlush, $"{name}: no drain after the last flush before the call returned; trace: {trace}");
    }

    /// <summary>The ranges widened to <paramref name="granularity"/> and merged where they touch, as [start, end) pairs.</summary>
    private static List<(ulong Start, ulong End)> Merge(IEnumerable<(ulong Address, ulong Length)> ranges, ulong granularity)
    {
        var merged = new List<(ulong Start, ulong End)>();
        foreach ((ulong start, ulong end) in ranges
            .Select(r => (r.Address / granularity * granularity, (r.Address + r.Length + granularity - 1) / granularity * granularity))
            .OrderBy(r => r.Item1))
        {
            if (merged.Count > 0 && start <= merged[^1].End)
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            else
                merged.Add((start, end));
        }
        return merged;
    }

    private static string Show(List<(ulong Start, ulong End)> ranges, ulong baseAddress) =>
        ranges.Count == 0 ? "nothing" : string.Join(" ", ranges.Select(r => $"[{(long)(r.Start - baseAddress)}, {(long)(r.End - baseAddress)})"));

    private static string Describe(IReadOnlyList<FlushEvent> events, ulong baseAddress) =>
        events.Count == 0 ? "(empty)" : string.Join(", ", events.Select(e =>
            e.IsDrain ? e.What : $"{e.What} [{(long)(e.Address - baseAddress)}, +{e.Length})"));
}
