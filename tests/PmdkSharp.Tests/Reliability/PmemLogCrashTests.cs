using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.TestHost.Reliability;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>
/// The kill -9 harness for <see cref="PmemLog"/>: a child appends records and batches and
/// acknowledges each only after Append returned; the test SIGKILLs it at random moments, reopens
/// the log and checks that every acknowledged record is there, in order, intact, and nothing else.
/// </summary>
/// <remarks>
/// SIGKILL leaves the page cache alone, so this proves the append protocol and recovery (record,
/// then tail, then acknowledgement), not durability across power loss.
/// </remarks>
public class PmemLogCrashTests
{
    private static int CyclesPerRun => ReliabilityRun.Long ? 1000 : 24;

    private readonly ITestOutputHelper output;

    public PmemLogCrashTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Every_acknowledged_log_record_survives_SIGKILL(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        int cases = TestEnvironment.Directories.Length * TestEnvironment.Backends.Length;
        int cycles = (CyclesPerRun + cases - 1) / cases;
        using var path = new TempPath(directory, ".log");
        var random = new Random(seed);
        long acknowledged = 0, checkedRecords = 0, restarts = 0, unfinishedCreations = 0;
        var clock = Stopwatch.StartNew();

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            int waitForAcks = random.Next(8) == 0 ? 0 : random.Next(1, 300);
            long lastAck = CrashDurabilityTests.RunAndKill(
                new[] { "append-pmemlog", path.Path, backend.ToString(), random.Next().ToString() }, waitForAcks, random, $"seed {seed}, cycle {cycle}");
            acknowledged = Math.Max(acknowledged, lastAck);
            if (!File.Exists(path.Path))
            {
                Assert.True(acknowledged == 0, $"seed {seed} cycle {cycle}: the log vanished after {acknowledged} acks");
                continue;
            }

            PmemLog log;
            try
            {
                log = PmemLog.Open(path.Path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = true, Backend = backend });
            }
            catch (PmemLogFormatException e) when (acknowledged == 0 && e.Message.Contains("interrupted creation", StringComparison.Ordinal))
            {
                unfinishedCreations++; // killed inside creation: the next child finishes it
                continue;
            }
            using (log)
            {
                long sequence = 0;
                foreach (LogRecord record in log.ReadAll()) // checksums checked by Open and again here
                {
                    sequence++;
                    Assert.True(record.Payload.SequenceEqual(LogCommands.Payload(sequence)),
                        $"seed {seed} cycle {cycle}: record {sequence} at {record.Position} is not what was appended");
                }
                Assert.True(sequence >= acknowledged,
                    $"seed {seed} cycle {cycle}: record {acknowledged} was acknowledged but the log ends at {sequence} (lost {acknowledged - sequence})");
                checkedRecords += sequence;
                acknowledged = sequence;
                if (log.End.Offset > 16 << 20)
                {
                    log.Dispose();
                    File.Delete(path.Path);
                    acknowledged = 0;
                    restarts++;
                }
            }
        }

        Assert.True(checkedRecords > 0, $"seed {seed}: no record was ever acknowledged");
        ReliabilityRun.Report(output, $"pmemlog crash {backend} {directory}",
            $"seed {seed}, kill cycles {cycles}, records at end {acknowledged} (fresh logs {restarts}), records checked {checkedRecords}, lost 0, " +
            $"interrupted creations {unfinishedCreations}, {clock.Elapsed.TotalSeconds:F1} s");
    }
}
