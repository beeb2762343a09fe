using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Recovery on open: the end is where records of the current generation stop validating, so what a
/// crash leaves past it is dropped, records truncated away or left by an earlier session never come
/// back (no phantom), a batch is all or nothing, and damage below the end is reported. The crash
/// states are made with the crash simulator (which drops every unpersisted store) and by hand.
/// </summary>
public class PmemLogRecoveryTests
{
    private const int EqualPayload = 100;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Garbage_past_the_end_is_dropped(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        Fill(path.Path, backend, 10, seed: 5);
        long end = LogTestFiles.RecoveredEnd(path.Path, backend);
        // Stores that reached the medium without being part of the log: random bytes, then a header with a plausible length.
        LogTestFiles.Poke(path.Path, backend, end, Patterns.Bytes(700, 6));
        byte[] fakeHeader = new byte[16];
        BitConverter.TryWriteBytes(fakeHeader, 40u);
        LogTestFiles.Poke(path.Path, backend, end + 8, fakeHeader);

        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        Assert.Equal(end, log.End.Offset);
        AssertPayloads(log, 5, 10);
        LogPosition next = log.Append("overwrites the garbage"u8);
        Assert.Equal(end, next.Offset);
        Assert.Equal("overwrites the garbage"u8.ToArray(), log.Read(next).Payload.ToArray());
        Assert.True(log.Verify().IsValid);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Records_past_a_hole_a_crash_left_never_come_back(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        // Eleven records reach the medium, but record 8 did not (its appender never returned; 9 and 10 did not either).
        List<LogPosition> positions = AppendAndCrash(path.Path, backend, 11);
        LogTestFiles.Poke(path.Path, backend, positions[8].Offset, new byte[LogTestFiles.RecordHeaderSize]);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
            Assert.Equal(positions[8], log.End);

        // The next session's record is as long as record 8 was: record 9's stale bytes now follow it exactly.
        var simulator = new CrashSimulator();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, simulator: simulator)))
            Assert.Equal(positions[8], log.Append(EqualSized(99)));
        simulator.Crash();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            Assert.Equal(positions[9], log.End); // not positions[11]: records 9 and 10 belong to an earlier generation
            Assert.Equal(9, Count(log));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Records_truncated_away_never_come_back(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        var simulator = new CrashSimulator();
        List<LogPosition> positions = new();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, simulator: simulator)))
        {
            for (int i = 0; i < 11; i++)
                positions.Add(log.Append(EqualSized(i)));
            log.Truncate(positions[5]);
            Assert.Equal(positions[5], log.Append(EqualSized(50))); // record 6's bytes follow it, as they did record 5
            simulator.Crash();
        }
        using var reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        Assert.Equal(positions[6], reopened.End);
        Assert.Equal(6, Count(reopened));
        Assert.Equal(EqualSized(50), reopened.Read(positions[5]).Payload.ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_batch_with_a_record_missing_is_dropped_whole(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        var simulator = new CrashSimulator();
        var positions = new LogPosition[4];
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, simulator: simulator)))
        {
            for (int i = 0; i < 3; i++)
                log.Append(EqualSized(i));
            log.AppendBatch(new ReadOnlyMemory<byte>[] { EqualSized(3), EqualSized(4), EqualSized(5), EqualSized(6) }, positions);
            simulator.Crash();
        }
        // The batch's third record did not reach the medium; the two before it did.
        LogTestFiles.Poke(path.Path, backend, positions[2].Offset, new byte[LogTestFiles.RecordHeaderSize]);
        using var reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        Assert.Equal(positions[0], reopened.End);
        Assert.Equal(3, Count(reopened));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Damage_below_the_end_is_reported_not_skipped(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        foreach ((string what, int record, int offset, byte mask) in new (string, int, int, byte)[]
        {
            ("payload bit", 7, LogTestFiles.RecordHeaderSize, 0x01), // the first payload byte: every payload has one
            ("length field", 12, 0, 0x04),
            ("generation field", 20, 4, 0x80),
            ("checksum", 25, 9, 0x10),
            ("last record", 29, LogTestFiles.RecordHeaderSize, 0xFF),
        })
        {
            using var path = new TempPath(TestEnvironment.Directories[0], ".log");
            List<LogPosition> positions = Fill(path.Path, backend, 30, seed: 8);
            LogTestFiles.Xor(path.Path, backend, positions[record].Offset + offset, mask);

            var refused = Assert.Throws<PmemLogCorruptException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend)));
            Assert.True(positions[record] == refused.Position, $"{what}: reported at {refused.Position}, damaged at {positions[record]}");
            Assert.Contains($"{record} records before it are intact", refused.Message);

            // Opened without the check, the intact prefix reads back and the damaged record throws.
            using var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, VerifyOnOpen = false });
            LogVerification verification = log.Verify();
            Assert.False(verification.IsValid, what);
            Assert.Equal(record, verification.Records);
            Assert.Equal(positions[record], verification.CorruptAt);
            int n = 0;
            var thrown = Assert.Throws<PmemLogCorruptException>(() =>
            {
                foreach (LogRecord r in log.ReadAll())
                    Assert.Equal(LogTestFiles.Payload(8, n++), r.Payload.ToArray());
            });
            Assert.Equal(record, n);
            Assert.Equal(positions[record], thrown.Position);
            Assert.Throws<PmemLogCorruptException>(() => log.Read(positions[record]));
            Assert.Throws<PmemLogCorruptException>(() => log.ReadFrom(positions[record]));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_checkpoint_that_makes_no_sense_is_reported(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = Fill(path.Path, backend, 5, seed: 9);
        long length = new FileInfo(path.Path).Length;
        foreach ((long start, long hint, long capacity) in new[]
        {
            (4096L, 4095L, 1L << 20), (4096L, positions[4].Offset + 4, 1L << 20), (8192L, 4096L, 1L << 20),
            (4096L, length + (1 << 20), 64L << 20), (4096L, 4096L, 12L), (4096L, 4096L + (2L << 20), 1L << 20),
        })
        {
            byte[] slot = new byte[LogCheckpoint.Size];
            new LogCheckpoint(ulong.MaxValue - 1, start, hint, 7, capacity).WriteTo(slot);
            LogTestFiles.Poke(path.Path, backend, LogCheckpoint.SlotOffset(ulong.MaxValue - 1), slot);
            var refused = Assert.Throws<PmemLogCorruptException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend)));
            Assert.Contains("checkpoint", refused.Message);
        }
        // Both slots unreadable.
        LogTestFiles.Poke(path.Path, backend, LogTestFiles.CheckpointOffset, Patterns.Bytes(128, 3));
        Assert.Contains("no valid checkpoint", Assert.Throws<PmemLogCorruptException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend))).Message);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_torn_checkpoint_leaves_the_previous_one_in_force(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = Fill(path.Path, backend, 6, seed: 10);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
            log.TruncateBefore(positions[2]);
        // The slot the next checkpoint goes to is half written: its checksum fails, the other slot counts.
        byte[] header = File.ReadAllBytes(path.Path)[..4096];
        LogCheckpoint current = LogCheckpoint.ReadCurrent(header)!.Value;
        LogTestFiles.Poke(path.Path, backend, LogCheckpoint.SlotOffset(current.Sequence + 1), Patterns.Bytes(24, 11));
        using var reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        Assert.Equal(positions[2], reopened.Start);
        Assert.Equal(4, Count(reopened));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_long_running_writer_keeps_the_hint_close_behind_its_end(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, maxLength: 32 << 20));
        byte[] record = new byte[4000];
        while (log.End.Offset < 3 * PmemLog.HintInterval)
            log.Append(record);
        // What a reader or a recovery would start from, read from the file while the writer is open.
        LogCheckpoint current = LogCheckpoint.ReadCurrent(File.ReadAllBytes(path.Path).AsSpan(0, 4096))!.Value;
        Assert.True(log.End.Offset - current.Hint < PmemLog.HintInterval + record.Length + 32,
            $"hint {current.Hint}, end {log.End.Offset}: the hint fell more than {PmemLog.HintInterval} bytes behind");
    }

    internal static List<LogPosition> Fill(string path, PmemBackendKind backend, int count, int seed)
    {
        var positions = new List<LogPosition>();
        using var log = PmemLog.Open(path, LogTestFiles.Options(backend));
        for (int i = 0; i < count; i++)
            positions.Add(log.Append(LogTestFiles.Payload(seed, i)));
        return positions;
    }

    /// <summary>Appends equal-sized records under a crash simulator and cuts the power before the log is closed.</summary>
    private static List<LogPosition> AppendAndCrash(string path, PmemBackendKind backend, int count)
    {
        var simulator = new CrashSimulator();
        var positions = new List<LogPosition>();
        using var log = PmemLog.Open(path, LogTestFiles.Options(backend, simulator: simulator));
        for (int i = 0; i < count; i++)
            positions.Add(log.Append(EqualSized(i)));
        simulator.Crash();
        return positions;
    }

    private static byte[] EqualSized(int i) => Patterns.Bytes(EqualPayload, i);

    private static int Count(PmemLog log)
    {
        int n = 0;
        foreach (LogRecord _ in log.ReadAll())
            n++;
        return n;
    }

    private static void AssertPayloads(PmemLog log, int seed, int count)
    {
        int n = 0;
        foreach (LogRecord record in log.ReadAll())
            Assert.Equal(LogTestFiles.Payload(seed, n++), record.Payload.ToArray());
        Assert.Equal(count, n);
    }
}
