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

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Every_acknowledged_record_survives_SIGKILL(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int cases = TestEnvironment.Directories.Length * TestEnvironment.Backends.Length;
        int cycles = (CyclesPerRun + cases - 1) / cases;
        using var path = new TempPath(directory, ".log");
        var random = new Random(Environment.TickCount);
        long acknowledged = 0, checkedRecords = 0, killedBeforeFirstAck = 0;
        int completeTails = 0, tornTails = 0, restarts = 0;
        var clock = Stopwatch.StartNew();

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            // Mostly kill mid-stream after a few acks; sometimes during start-up or recovery.
            int waitForAcks = random.Next(8) == 0 ? 0 : random.Next(1, 200);
            long lastAck = RunAndKill(new[] { "append-log", path.Path, backend.ToString() }, waitForAcks, random);
            if (lastAck == 0)
                killedBeforeFirstAck++;
            acknowledged = Math.Max(acknowledged, lastAck);
            if (!File.Exists(path.Path))
            {
                Assert.Equal(0, acknowledged); // killed before the file was even created
                continue;
            }

            using PmemFile file = PmemFile.Open(path.Path, new PmemFileOptions { Mode = FileMode.Open, ReadOnly = true, Backend = backend });
            ChecksummedLog.ScanResult scan = ChecksummedLog.Scan(file);
            Assert.True(scan.Error is null, $"cycle {cycle}: committed data invalid: {scan.Error}");
            Assert.True(scan.LastSequence >= acknowledged,
                $"cycle {cycle}: record {acknowledged} was acknowledged but the log ends at {scan.LastSequence} (lost {acknowledged - scan.LastSequence})");
            checkedRecords += scan.Records;
            if (scan.Tail == "complete")
                completeTails++;
            else if (scan.Tail == "torn")
                tornTails++;
            acknowledged = scan.LastSequence; // the next child resumes from here; anything it acks must stay too
            if (scan.Commit > LogRestartBytes)
            {
                // Every cycle rescans the whole log: start a fresh one now and then so long runs stay linear.
                file.Dispose();
                File.Delete(path.Path);
                acknowledged = 0;
                restarts++;
            }
        }

        Assert.True(checkedRecords > 0, "no record was ever acknowledged");
        ReliabilityRun.Report(output, $"crash {backend} {directory}",
            $"kill cycles {cycles}, records at end {acknowledged} (fresh logs started {restarts}), records checked {checkedRecords}, lost 0, " +
            $"killed before first ack {killedBeforeFirstAck}, uncommitted tails: complete {completeTails} torn {tornTails}, " +
            $"{clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Starts a writer (test host command <paramref name="args"/>), waits for <paramref name="acks"/> acknowledgements (or a random moment when 0), SIGKILLs it; returns the last acknowledged sequence.</summary>
    internal static long RunAndKill(string[] args, int acks, Random random)
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
                        Assert.Fail($"writer: {line}");
                }
                Assert.True(seen == acks, $"the writer stopped after {seen} acks (exit {(child.HasExited ? child.ExitCode : -1)})");
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
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 64 << 10, 16 << 20));
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
