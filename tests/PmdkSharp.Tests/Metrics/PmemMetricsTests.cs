using System.Collections.Generic;
using System.Diagnostics.Metrics;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Metrics;

// Other tests map and persist concurrently, and a MeterListener sees the whole process:
// every assertion is "at least what this test did".
[Collection(nameof(PmdkSharp.Tests.Files.ProcessWideListeners))]
public class PmemMetricsTests
{
    private sealed class Recorder : System.IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly object gate = new();
        private readonly Dictionary<string, double> sums = new();
        private readonly Dictionary<string, int> counts = new();
        private readonly Dictionary<string, double> latest = new();
        private readonly List<Instrument> enabled = new();

        public Recorder()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PmemMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                    lock (gate)
                        enabled.Add(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i.Name, value, tags));
            listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i.Name, value, tags));
            listener.Start();
        }

        private void Add(string name, double value, System.ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string key = name;
            foreach (KeyValuePair<string, object?> tag in tags)
                key += $"|{tag.Value}";
            lock (gate)
            {
                sums[key] = sums.GetValueOrDefault(key) + value;
                counts[key] = counts.GetValueOrDefault(key) + 1;
                latest[key] = value;
            }
        }

        public double Sum(string key) { lock (gate) return sums.GetValueOrDefault(key); }
        public int Count(string key) { lock (gate) return counts.GetValueOrDefault(key); }
        public double Observe(string name)
        {
            listener.RecordObservableInstruments();
            lock (gate) return latest.GetValueOrDefault(name);
        }

        public void Dispose()
        {
            // Disabled one by one first (see LogMetricsTests.Recorder): no instrument stays enabled for the next test.
            lock (gate)
                foreach (Instrument instrument in enabled)
                    listener.DisableMeasurementEvents(instrument);
            listener.Dispose();
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Persists_grows_prefaults_and_mapped_bytes_are_measured(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using var recorder = new Recorder();
        using var file = test.Open(test.Options(64 << 10, 16 << 20) with { Prefault = PrefaultMode.PopulateWrite });

        Assert.True(recorder.Observe("pmdksharp.mapped.bytes") >= 64 << 10);
        Assert.True(recorder.Count("pmdksharp.prefault.duration|PopulateWrite") >= 1);

        file.Persist(0, 100);
        file.Flush(0, 200);
        file.Drain();
        file.CopyPersist(0, new byte[300]);
        file.FillPersist(0, 400, 7);
        Assert.True(recorder.Count("pmdksharp.persist.calls|persist") >= 1);
        Assert.True(recorder.Sum("pmdksharp.persist.bytes|persist") >= 100);
        Assert.True(recorder.Sum("pmdksharp.persist.bytes|flush") >= 200);
        Assert.True(recorder.Sum("pmdksharp.persist.bytes|copy") >= 300);
        Assert.True(recorder.Sum("pmdksharp.persist.bytes|fill") >= 400);

        file.Grow(1 << 20);
        Assert.True(recorder.Sum("pmdksharp.grows") >= 1);
        Assert.True(recorder.Count("pmdksharp.prefault.duration|PopulateWrite") >= 2);
        Assert.True(recorder.Observe("pmdksharp.mapped.bytes") >= 1 << 20);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Prefetched_discarded_and_locked_bytes_are_measured(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var recorder = new Recorder();
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 1 << 20));

        file.Prefetch(0, 100_000);
        file.Prefetch(0, 200_000, System.IO.FileAccess.Write);
        // 4106 .. 16394: pages 2 and 3 punched, 4086 + 10 bytes zeroed at the edges.
        Assert.Equal(8192, file.Discard(4096 + 10, 3 * 4096));
        file.Lock(0, 8192);
        file.Unlock(0, 8192);

        Assert.True(recorder.Sum("pmdksharp.prefetch.bytes|read") >= 100_000);
        Assert.True(recorder.Sum("pmdksharp.prefetch.bytes|write") >= 200_000);
        Assert.True(recorder.Sum("pmdksharp.discard.bytes|punch") >= 8192);
        Assert.True(recorder.Sum("pmdksharp.discard.bytes|zero") >= 4096);
        Assert.True(recorder.Sum("pmdksharp.lock.bytes") >= 8192);
    }
}
