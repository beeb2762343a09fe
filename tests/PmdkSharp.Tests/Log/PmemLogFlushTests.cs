using System;
using System.Collections.Generic;
using System.Linq;
using PmdkSharp.Log;
using PmdkSharp.Tests.Durability;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// What an append hands the durability strategy, recorded under the real one: exactly the record's
/// own bytes, made durable before the append returns, with one flush: one msync on the msync path,
/// one drain (or one persisting call) where persisting is a cache-line flush. No header write.
/// </summary>
public class PmemLogFlushTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Every_append_flushes_exactly_its_own_bytes_once(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        RecordingStrategy? recording = null;
        using var log = PmemLog.Open(path.Path, new PmemLogOptions
        {
            Backend = backend, Length = 64 << 10, MaxLength = 16 << 20,
            StrategyDecorator = inner => recording = new RecordingStrategy(inner),
        });
        recording!.Attach(log.Mapping);
        bool msync = log.Mapping.Granularity == StoreGranularity.Page;
        foreach (int[] sizes in new[] { new[] { 64 }, new[] { 300 }, new[] { 5000 }, new[] { 1 }, new[] { 64, 300, 7, 4096 } })
        {
            lock (recording.Calls)
                recording.Calls.Clear();
            byte[][] records = sizes.Select(s => Patterns.Bytes(s, s)).ToArray();
            var positions = new LogPosition[records.Length];
            if (records.Length == 1)
                positions[0] = log.Append(records[0]);
            else
                log.AppendBatch(records.Select(r => (ReadOnlyMemory<byte>)r).ToArray(), positions);
            long start = positions[0].Offset, end = log.End.Offset; // no wrap here: positions are file offsets
            List<(string Operation, long Offset, long Length)> calls = recording.Calls.ToList();
            string what = $"{backend} {directory} sizes {string.Join(",", sizes)}: {string.Join("; ", calls)}";

            Assert.All(calls.Where(c => c.Operation != "drain"), c => Assert.True(c.Offset >= start && c.Offset + c.Length <= end, $"outside [{start}, {end}): {what}"));
            Assert.True(Covered(calls, start, end), $"[{start}, {end}) not all flushed: {what}");
            if (msync)
                Assert.True(calls.Count == 1 && calls[0].Operation == "persist", $"not one msync: {what}");
            else
            {
                Assert.True(calls.Count(c => c.Operation is "drain" or "persist" or "copy") == 1, $"not one drain: {what}");
                Assert.True(calls[^1].Operation is "drain" or "persist" or "copy", $"nothing drains last: {what}");
            }
        }
    }

    private static bool Covered(List<(string Operation, long Offset, long Length)> calls, long start, long end)
    {
        long at = start;
        foreach (var call in calls.Where(c => c.Operation != "drain").OrderBy(c => c.Offset))
        {
            if (call.Offset > at)
                return false;
            at = Math.Max(at, call.Offset + call.Length);
        }
        return at >= end;
    }
}
