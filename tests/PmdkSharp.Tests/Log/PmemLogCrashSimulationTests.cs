using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// The log under the crash simulator with adversarial write-back: every crash point of a seeded
/// workload (appends, batches, growth, truncation, head drops, the ring's wrap, and the log's creation),
/// several seeds. After each crash the reopened log holds every acknowledged live record, byte for byte,
/// plus at most the whole of the operation that was in flight; nothing torn, nothing dropped back,
/// nothing reported corrupt.
/// </summary>
public class PmemLogCrashSimulationTests
{
    private static readonly int Seeds = Environment.GetEnvironmentVariable("PMDKSHARP_LONG") == "1" ? 100 : 24;

    private readonly ITestOutputHelper output;

    public PmemLogCrashSimulationTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Every_crash_point_recovers_every_acknowledged_record_and_nothing_torn(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var test = new TempPath(TestEnvironment.Directories[0]);
        int baseSeed = Environment.TickCount;
        output.WriteLine($"base seed {baseSeed}, {Seeds} seeds");
        int crashPoints = 0, wrapped = 0;
        for (int s = 0; s < Seeds; s++)
        {
            int seed = baseSeed + s;
            var counting = new CrashSimulator(seed);
            File.Delete(test.Path);
            var first = new Workload(test.Path, backend, counting, seed);
            first.Run();
            wrapped += first.Wrapped ? 1 : 0;
            long points = counting.PersistCalls;
            counting.Crash();

            for (long point = 1; point <= points; point++)
            {
                var simulator = new CrashSimulator(seed) { CrashAtPersistCall = point };
                File.Delete(test.Path);
                var workload = new Workload(test.Path, backend, simulator, seed);
                try
                {
                    workload.Run();
                    simulator.Crash();
                }
                catch (SimulatedCrashException)
                {
                }
                crashPoints++;
                string? problem = workload.CheckRecovery();
                Assert.True(problem is null, $"{backend}, seed {seed}, crash point {point} of {points}: {problem}");
            }
        }
        output.WriteLine($"{crashPoints} crash points recovered; {wrapped} of {Seeds} workloads wrapped the ring");
        Assert.True(wrapped >= Seeds / 8, $"only {wrapped} of {Seeds} workloads wrapped the ring");
        Assert.True(crashPoints >= Seeds * 20, $"only {crashPoints} crash points");
    }

    /// <summary>A seeded run of appends, batches and truncations that remembers what was acknowledged.</summary>
    private sealed class Workload
    {
        /// <summary>A ring of 36 KiB: the workload's records wrap it several times.</summary>
        private const long MaxLength = 40 << 10;

        private readonly string path;
        private readonly PmemBackendKind backend;
        private readonly CrashSimulator simulator;
        private readonly Random random;
        private List<byte[]> acknowledged = new();
        private List<byte[]>? alternative; // what the log may also hold if the operation in flight completed

        /// <summary>True once an append landed in the ring's second lap.</summary>
        public bool Wrapped { get; private set; }

        public Workload(string path, PmemBackendKind backend, CrashSimulator simulator, int seed)
        {
            this.path = path;
            this.backend = backend;
            this.simulator = simulator;
            random = new Random(seed);
        }

        public void Run()
        {
            alternative = new List<byte[]>();
            using PmemLog log = PmemLog.Open(path, new PmemLogOptions
            {
                Backend = backend, Length = 8 << 10, MaxLength = MaxLength, CrashSimulator = simulator,
            });
            var positions = new List<LogPosition>();
            for (int op = 0; op < 32; op++)
            {
                int kind = random.Next(12);
                try
                {
                    Step(log, kind, positions);
                }
                catch (PmemLogFullException)
                {
                    // Nothing was written: the consumer drops the older half, and the ring wraps into it.
                    alternative = acknowledged;
                    DropHead(log, positions, positions.Count / 2);
                }
            }
            alternative = null;
        }

        private void DropHead(PmemLog log, List<LogPosition> positions, int drop)
        {
            if (drop == 0)
                return;
            alternative = acknowledged.Skip(drop).ToList();
            log.TruncateBefore(positions[drop]);
            positions.RemoveRange(0, drop);
            acknowledged = alternative;
        }

        private void Step(PmemLog log, int kind, List<LogPosition> positions)
        {
            {
                if (kind < 6)
                {
                    byte[] record = Payload(random.Next(1, 3000));
                    alternative = [.. acknowledged, record];
                    positions.Add(log.Append(record));
                    acknowledged = alternative;
                    Wrapped |= positions[^1].Offset >= 4096 + log.Capacity;
                }
                else if (kind < 9)
                {
                    // Now and then a record larger than the append path's staging buffer: it is written in place between staged ones.
                    byte[][] batch = Enumerable.Range(0, random.Next(2, 6))
                        .Select(_ => Payload(random.Next(12) == 0 ? random.Next(16 << 10, 20 << 10) : random.Next(1, 800))).ToArray();
                    alternative = [.. acknowledged, .. batch];
                    var at = new LogPosition[batch.Length];
                    log.AppendBatch(batch.Select(b => (ReadOnlyMemory<byte>)b).ToArray(), at);
                    positions.AddRange(at);
                    acknowledged = alternative;
                    Wrapped |= positions[^1].Offset >= 4096 + log.Capacity;
                }
                else if (kind < 10 && positions.Count > 0)
                {
                    int keep = random.Next(positions.Count);
                    alternative = acknowledged.Take(keep).ToList();
                    log.Truncate(positions[keep]);
                    positions.RemoveRange(keep, positions.Count - keep);
                    acknowledged = alternative;
                }
                else
                {
                    DropHead(log, positions, random.Next(positions.Count + 1) / 2);
                }
            }
        }

        /// <summary>Reopens the log without the simulator; returns what is wrong, or null.</summary>
        public string? CheckRecovery()
        {
            var recovered = new List<byte[]>();
            try
            {
                using PmemLog log = PmemLog.Open(path, new PmemLogOptions { Backend = backend, Length = 8 << 10, MaxLength = MaxLength });
                foreach (LogRecord record in log.ReadAll())
                    recovered.Add(record.Payload.ToArray());
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                return $"reopening failed: {e.GetType().Name}: {e.Message}";
            }
            if (Same(recovered, acknowledged) || (alternative is not null && Same(recovered, alternative)))
                return null;
            return $"recovered {recovered.Count} records; acknowledged {acknowledged.Count}" +
                (alternative is null ? "" : $", or {alternative.Count} with the operation in flight");
        }

        private byte[] Payload(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        private static bool Same(List<byte[]> a, List<byte[]> b) =>
            a.Count == b.Count && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    }
}
