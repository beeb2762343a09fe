using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Recovery on open: what a crash can leave past the committed tail is dropped; damage below it is
/// reported. The crash states are made by hand (bytes written past the tail, the tail word moved back).
/// </summary>
public class PmemLogRecoveryTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Garbage_past_the_committed_tail_is_dropped(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = Fill(path.Path, backend, 10, seed: 5);
        long tail = LogTestFiles.ReadTail(path.Path);
        // Stores that reached the medium without being committed: random bytes, then a plausible record header.
        LogTestFiles.Poke(path.Path, backend, tail, Patterns.Bytes(700, 6));
        byte[] fakeHeader = new byte[16];
        BitConverter.TryWriteBytes(fakeHeader, 40u);
        BitConverter.TryWriteBytes(fakeHeader.AsSpan(4), ~40u);
        LogTestFiles.Poke(path.Path, backend, tail + 8, fakeHeader);

        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        Assert.Equal(tail, log.End.Offset);
        AssertPayloads(log, 5, 10);
        LogPosition next = log.Append("overwrites the garbage"u8);
        Assert.Equal(tail, next.Offset);
        Assert.Equal("overwrites the garbage"u8.ToArray(), log.Read(next).Payload.ToArray());
        Assert.True(log.Verify().IsValid);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_persisted_but_uncommitted_record_is_not_returned_whole_or_torn(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = Fill(path.Path, backend, 11, seed: 7);
        // The crash between the record's persist and the tail's: the tail word still says 10 records.
        LogTestFiles.Poke(path.Path, backend, LogTestFiles.TailOffset, BitConverter.GetBytes(positions[10].Offset));
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            Assert.Equal(positions[10], log.End);
            AssertPayloads(log, 7, 10);
        }
        // The crash in the middle of the record's own stores: half its payload is missing.
        LogTestFiles.Poke(path.Path, backend, positions[10].Offset + LogTestFiles.RecordHeaderSize, new byte[40]);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            AssertPayloads(log, 7, 10);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(positions[10]));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Damage_below_the_committed_tail_is_reported_not_skipped(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        // Read(position) of a record whose length field is damaged cannot tell it from a position that is no record's.
        foreach ((string what, int record, int offset, byte mask, Type readAt) in new (string, int, int, byte, Type)[]
        {
            ("payload bit", 7, LogTestFiles.RecordHeaderSize + 3, 0x01, typeof(PmemLogCorruptException)),
            ("length field", 12, 0, 0x04, typeof(ArgumentOutOfRangeException)),
            ("length check", 20, 4, 0x80, typeof(ArgumentOutOfRangeException)),
            ("checksum", 25, 9, 0x10, typeof(PmemLogCorruptException)),
            ("last record", 29, LogTestFiles.RecordHeaderSize, 0xFF, typeof(PmemLogCorruptException)),
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
            Assert.Throws(readAt, () => log.Read(positions[record]));
            Assert.Throws(readAt, () => log.ReadFrom(positions[record]));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_tail_word_that_makes_no_sense_is_reported(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = Fill(path.Path, backend, 5, seed: 9);
        long length = new FileInfo(path.Path).Length;
        foreach (long tail in new[] { 0L, 4095L, positions[4].Offset + 4, length + 8, positions[4].Offset + 8 })
        {
            LogTestFiles.Poke(path.Path, backend, LogTestFiles.TailOffset, BitConverter.GetBytes(tail));
            Assert.Throws<PmemLogCorruptException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend)));
        }
    }

    internal static List<LogPosition> Fill(string path, PmemBackendKind backend, int count, int seed)
    {
        var positions = new List<LogPosition>();
        using var log = PmemLog.Open(path, LogTestFiles.Options(backend));
        for (int i = 0; i < count; i++)
            positions.Add(log.Append(LogTestFiles.Payload(seed, i)));
        return positions;
    }

    private static void AssertPayloads(PmemLog log, int seed, int count)
    {
        int n = 0;
        foreach (LogRecord record in log.ReadAll())
            Assert.Equal(LogTestFiles.Payload(seed, n++), record.Payload.ToArray());
        Assert.Equal(count, n);
    }
}
