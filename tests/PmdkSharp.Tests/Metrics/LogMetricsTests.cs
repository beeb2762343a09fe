using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.Tests.Log;
using Xunit;

namespace PmdkSharp.Tests.Metrics;

// A MeterListener sees the whole process, and other tests append to logs concurrently: every
// assertion is "at least what this test did". The collection keeps listeners of other tests apart.
[Collection(nameof(PmdkSharp.Tests.Files.ProcessWideListeners))]
public class LogMetricsTests
{
    private static readonly string[] Instruments =
    [
        "pmdksharp.log.append.records", "pmdksharp.log.append.bytes", "pmdksharp.log.append.duration",
        "pmdksharp.log.commit.records", "pmdksharp.log.flushes", "pmdksharp.log.recovery.duration", "pmdksharp.log.recovery.records",
    ];

    /// <summary>Sums and counts every measurement of the log instruments while alive.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly object gate = new();
        private readonly Dictionary<string, (double Sum, long Count)> seen = new();
        private readonly List<Instrument> enabled = new();

        public Recorder()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PmemMetrics.MeterName && instrument.Name.StartsWith("pmdksharp.log.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                    lock (gate)
                        enabled.Add(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, value, _, _) => Add(i.Name, value));
            listener.SetMeasurementEventCallback<double>((i, value, _, _) => Add(i.Name, value));
            listener.Start();
        }

        private void Add(string name, double value)
        {
            lock (gate)
            {
                (double sum, long count) = seen.GetValueOrDefault(name);
                seen[name] = (sum + value, count + 1);
            }
        }

        public double Sum(string name) { lock (gate) return seen.GetValueOrDefault(name).Sum; }

        public long Count(string name) { lock (gate) return seen.GetValueOrDefault(name).Count; }

        public void Dispose()
        {
            // Disabled one by one first: on .NET 8 (seen here), disposing the listener alone left the append
            // latency histogram enabled, and the next test's "nothing measured without a listener" failed.
            lock (gate)
                foreach (Instrument instrument in enabled)
                    listener.DisableMeasurementEvents(instrument);
            listener.Dispose();
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Appends_commits_flushes_and_recovery_move_every_log_instrument(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        using var recorder = new Recorder();
        long bytes = 0;
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        for (int i = 0; i < 3; i++)
        {
            byte[] payload = LogTestFiles.Payload(7, i);
            bytes += payload.Length;
            log.Append(payload);
        }
        var batch = new ReadOnlyMemory<byte>[4];
        for (int i = 0; i < batch.Length; i++)
        {
            batch[i] = LogTestFiles.Payload(7, 3 + i);
            bytes += batch[i].Length;
        }
        log.AppendBatch(batch);

        Assert.True(recorder.Sum("pmdksharp.log.append.records") >= 7, $"append.records {recorder.Sum("pmdksharp.log.append.records")}");
        Assert.True(recorder.Sum("pmdksharp.log.append.bytes") >= bytes, $"append.bytes {recorder.Sum("pmdksharp.log.append.bytes")} < {bytes}");
        Assert.True(recorder.Count("pmdksharp.log.append.duration") >= 2, "one latency per Append and AppendBatch call");
        Assert.True(recorder.Sum("pmdksharp.log.append.duration") > 0);
        Assert.True(recorder.Count("pmdksharp.log.commit.records") >= 1, "no commit was measured");
        Assert.True(recorder.Sum("pmdksharp.log.commit.records") >= 7, $"commits made {recorder.Sum("pmdksharp.log.commit.records")} records durable, expected 7");
        Assert.True(recorder.Sum("pmdksharp.log.flushes") >= 1, "no flush was counted");

        // Opened while the writer is still open, as after a crash: the recorded end is still the one the
        // writer's open left, so recovery reads the 7 records appended since (a clean close would leave none to read).
        using (var reader = PmemLog.Open(path.Path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = true, Backend = backend }))
            Assert.False(reader.IsEmpty);
        Assert.True(recorder.Count("pmdksharp.log.recovery.duration") >= 1, "the reopen's recovery was not timed");
        Assert.True(recorder.Sum("pmdksharp.log.recovery.records") >= 7, $"recovered {recorder.Sum("pmdksharp.log.recovery.records")} records, expected 7");
        Assert.All(Instruments, name => Assert.True(recorder.Count(name) > 0, $"{name} never moved"));
    }

    [Fact]
    public void The_instruments_record_what_they_are_given_and_time_only_when_enabled()
    {
        Assert.Equal(0, LogMetrics.StartTimestamp()); // no listener: no clock read
        using var recorder = new Recorder();
        long start = LogMetrics.StartTimestamp();
        Assert.NotEqual(0, start);
        LogMetrics.Appended(3, 300, start);
        LogMetrics.Committed(3);
        LogMetrics.Flushed(2);
        LogMetrics.Recovered(5, TimeSpan.FromMilliseconds(4));

        Assert.True(recorder.Sum("pmdksharp.log.append.records") >= 3);
        Assert.True(recorder.Sum("pmdksharp.log.append.bytes") >= 300);
        Assert.True(recorder.Count("pmdksharp.log.append.duration") >= 1);
        Assert.True(recorder.Sum("pmdksharp.log.commit.records") >= 3);
        Assert.True(recorder.Sum("pmdksharp.log.flushes") >= 2);
        Assert.True(recorder.Sum("pmdksharp.log.recovery.records") >= 5);
        Assert.True(recorder.Sum("pmdksharp.log.recovery.duration") >= 0.004);
    }
}
