using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.TestHost.Reliability;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>
/// A child appends checksummed records to a growable log and acknowledges each only after
/// persisting it; the test SIGKILLs it at random moments, reopens the file and checks that every
/// acknowledged record is there and intact, and that nothing torn is taken as valid.
/// </summary>
/// <remarks>
/// SIGKILL leaves the page cache alone, so this proves the ordering (record, then commit offset,
/// then acknowledgement) and the recovery scan, not durability across power loss.
/// </remarks>
public class CrashDurabilityTests
{
    /// <summary>Kill cycles per run of the suite (one build.sh setting), spread over its cases.</summary>
    private static int CyclesPerRun => ReliabilityRun.Long ? 1000 : 50;

    private const long LogRestartBytes = 16 << 20;

    private readonly ITestOutputHelper output;

    public CrashDurabilityTests(ITestOutputHelper output) => this.output = output;

    /// <remarks>
    /// Kill timing is not reproducible, but the random choices are: the seed is printed first and
    /// in every failure, and PMDKSHARP_SEED replays it.
    /// </remarks>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Every_acknowledged_record_survives_SIGKILL(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory, ".log");
        int cases = TestEnvironment.Directories.Length * TestEnvironment.Backends.Length;
        int cycles = (CyclesPerRun + cases - 1) / cases;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("PMDKSHARP_SEED"), out int fixedSeed) ? fixedSeed : Environment.TickCount;
        output.WriteLine($"seed {seed} ({backend}, {directory})");
        var random = new Random(seed);
        long acknowledged = 0, checkedRecords = 0, killedBeforeFirstAck = 0, lost = 0;
        int completeTails = 0, tornTails = 0, restarts = 0;
        var clock = Stopwatch.StartNew();

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            string at = $"seed {seed}, cycle {cycle}";
            // Mostly kill mid-stream after a few acks; sometimes during start-up or recovery.
            int waitForAcks = random.Next(8) == 0 ? 0 : random.Next(1, 200);
            long lastAck = RunAndKill(new[] { "append-log", test.Path, backend.ToString() }, waitForAcks, random, at);
            if (lastAck == 0)
                killedBeforeFirstAck++;
            acknowledged = Math.Max(acknowledged, lastAck);
            if (!File.Exists(test.Path))
            {
                Assert.True(acknowledged == 0, $"{at}: the log is gone but record {acknowledged} was acknowledged");
                continue;
            }

            using PmemFile file = test.Reopen(readOnly: true);
            ChecksummedLog.ScanResult scan = ChecksummedLog.Scan(file);
            Assert.True(scan.Error is null, $"{at}: committed data invalid: {scan.Error}");
            lost += Math.Max(0, acknowledged - scan.LastSequence);
            Assert.True(scan.LastSequence >= acknowledged,
                $"{at}: record {acknowledged} was acknowledged but the log ends at {scan.LastSequence} (lost {acknowledged - scan.LastSequence})");
            checkedRecords += scan.Records;
            switch (scan.Tail)
            {
                case "complete":
                    // A whole record past the commit offset: persisted, never committed, so never acknowledged; the next writer overwrites it.
                    completeTails++;
                    Assert.True(lastAck <= scan.LastSequence, $"{at}: record {scan.LastSequence + 1} is past the commit offset but was acknowledged ({lastAck})");
                    break;
                case "torn":
                    // Part of a record past the commit offset: never acknowledged, and not counted by the scan.
                    tornTails++;
                    Assert.True(lastAck <= scan.LastSequence, $"{at}: a torn record past the commit offset was acknowledged ({lastAck})");
                    break;
                default:
                    Assert.True(scan.Tail == "clean", $"{at}: unknown tail '{scan.Tail}'");
                    break;
            }
            acknowledged = scan.LastSequence; // the next child resumes from here; anything it acks must stay too
            if (scan.Commit > LogRestartBytes)
            {
                // Every cycle rescans the whole log: start a fresh one now and then so long runs stay linear.
                file.Dispose();
                File.Delete(test.Path);
                acknowledged = 0;
                restarts++;
            }
        }

        ReliabilityRun.Report(output, $"crash {backend} {directory}",
            $"seed {seed}, kill cycles {cycles}, records at end {acknowledged} (fresh logs started {restarts}), records checked {checkedRecords}, lost {lost}, " +
            $"killed before first ack {killedBeforeFirstAck}, uncommitted tails: complete {completeTails} torn {tornTails}, " +
            $"{clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(checkedRecords > 0, $"seed {seed}: no record was ever acknowledged");
        // Most kills land inside an append: a run where none left a partial record did not exercise recovery.
        Assert.True(completeTails + tornTails > 0, $"seed {seed}: no kill left an uncommitted record in {cycles} cycles");
    }

    /// <summary>Starts a writer (test host command <paramref name="args"/>), waits for <paramref name="acks"/> acknowledgements (or a random moment when 0), SIGKILLs it; returns the last acknowledged sequence.</summary>
    internal static long RunAndKill(string[] args, int acks, Random random, string at)
    {
        using Process child = Process.Start(ChildHost.StartInfo(args))!;
        child.ErrorDataReceived += (_, _) => { };
        child.BeginErrorReadLine();
        long lastAck = 0;
        try
        {
            if (acks == 0)
            {
                Thread.Sleep(random.Next(0, 250)); // somewhere in runtime start-up, open, recovery or the first appends
            }
            else
            {
                int seen = 0;
                string? line;
                while (seen < acks && (line = child.StandardOutput.ReadLine()) is not null)
                {
                    if (line.StartsWith("ack ", StringComparison.Ordinal))
                    {
                        lastAck = long.Parse(line.AsSpan(4));
                        seen++;
                    }
                    else if (!line.StartsWith("recovered ", StringComparison.Ordinal))
                        Assert.Fail($"{at}: writer: {line}");
                }
                Assert.True(seen == acks, $"{at}: the writer stopped after {seen} acks (exit {(child.HasExited ? child.ExitCode : -1)})");
                SpinWait.SpinUntil(() => false, TimeSpan.FromTicks(random.Next(0, 20_000))); // 0-2 ms further into the stream
            }
        }
        finally
        {
            child.Kill(); // SIGKILL
            child.WaitForExit();
        }
        // Acks already in the pipe when the kill landed were sent after their Persist: they count too.
        string? rest;
        while ((rest = child.StandardOutput.ReadLine()) is not null)
            if (rest.StartsWith("ack ", StringComparison.Ordinal))
                lastAck = long.Parse(rest.AsSpan(4));
        return lastAck;
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_recovery_scan_takes_no_torn_or_corrupt_record_as_valid(PmemBackendKind backend)
    {
        using var test = new TestFile(backend, suffix: ".log");
        using var file = test.Create(64 << 10, 16 << 20);
        ChecksummedLog.Initialize(file);
        long commit = ChecksummedLog.HeaderSize;
        var starts = new long[41];
        for (int sequence = 1; sequence <= 40; sequence++)
        {
            starts[sequence] = commit;
            commit = ChecksummedLog.Append(file, commit, sequence);
        }
        Assert.Equal((commit, 40L, (string?)null), Summary(ChecksummedLog.Scan(file)));

        // Each injected fault inside the committed range must be reported, never skipped over.
        int injected = 0;
        foreach ((string what, long offset, byte xor) in new (string, long, byte)[]
        {
            ("payload bit flip", starts[7] + ChecksummedLog.RecordHeaderSize + 1, 0x01),
            ("checksum bit flip", starts[12] + 4, 0x80),
            ("length grown", starts[20], 0x10),
            ("sequence changed", starts[30] + 8, 0x02),
            ("last record torn", starts[40] + ChecksummedLog.RecordHeaderSize + ChecksummedLog.PayloadLength(40) / 2, 0xFF),
        })
        {
            if (offset >= commit)
                continue;
            byte before = file.Read<byte>(offset);
            file.Write(offset, (byte)(before ^ xor));
            ChecksummedLog.ScanResult broken = ChecksummedLog.Scan(file);
            Assert.True(broken.Error is not null, $"{what}: the scan accepted a corrupt record");
            file.Write(offset, before);
            injected++;
        }
        Assert.Equal(5, injected);

        // A commit offset that ends mid-record is corruption, not a shorter log.
        file.Write(ChecksummedLog.CommitOffset, starts[40] + 8);
        Assert.NotNull(ChecksummedLog.Scan(file).Error);

        // A complete record past the commit offset was never acknowledged: it is tail, not log.
        file.Write(ChecksummedLog.CommitOffset, starts[40]);
        ChecksummedLog.ScanResult uncommitted = ChecksummedLog.Scan(file);
        Assert.Equal((starts[40], 39L, (string?)null), Summary(uncommitted));
        Assert.Equal("complete", uncommitted.Tail);
        file.Write(starts[40] + ChecksummedLog.RecordHeaderSize, (byte)(file.Read<byte>(starts[40] + ChecksummedLog.RecordHeaderSize) ^ 1));
        Assert.Equal("torn", ChecksummedLog.Scan(file).Tail);
        ReliabilityRun.Report(output, $"scan {backend}", $"faults injected 7, all rejected");
    }

    private static (long, long, string?) Summary(ChecksummedLog.ScanResult scan) => (scan.Commit, scan.Records, scan.Error);
}
