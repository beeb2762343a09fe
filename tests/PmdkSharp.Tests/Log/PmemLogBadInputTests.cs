using System;
using System.IO;
using System.Text;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

public class PmemLogBadInputTests
{
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Empty_and_oversize_records_are_refused_and_change_nothing(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 16 << 10, MaxRecordLength = 1000 });
        log.Append("first"u8);
        LogPosition end = log.End;
        Assert.Throws<ArgumentException>(() => log.Append(ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => log.Append(new byte[1001]));
        Assert.Throws<ArgumentException>(() => log.AppendBatch(new ReadOnlyMemory<byte>[] { new byte[10], Array.Empty<byte>() }));
        Assert.Throws<ArgumentException>(() => log.AppendBatch(new ReadOnlyMemory<byte>[] { new byte[10], new byte[1001] }));
        Assert.Throws<ArgumentException>(() => log.AppendBatch(new ReadOnlyMemory<byte>[] { new byte[10], new byte[10] }, new LogPosition[1]));
        Assert.Equal(end, log.End);
        Assert.Equal(end.Offset, LogTestFiles.RecoveredEnd(path.Path, backend));
        log.Append(new byte[1000]); // exactly the limit is fine
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_record_larger_than_the_whole_log_says_full(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 8192, MaxLength = 64 << 10 });
        var full = Assert.Throws<PmemLogFullException>(() => log.Append(new byte[64 << 10]));
        Assert.Contains(path.Path, full.Message);
        Assert.True(log.IsEmpty);
        Assert.Equal(8192, log.Length); // nothing grown for a record that can never fit
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Positions_that_are_not_record_boundaries_are_refused(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        LogPosition first = log.Append(new byte[100]);
        LogPosition second = log.Append(new byte[100]);
        foreach (long bad in new[] { log.End.Offset + 8, 1 << 20, first.Offset + 8, first.Offset + 3, 0, -8 })
        {
            var position = new LogPosition(bad);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Truncate(position));
            Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadFrom(position));
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(position));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(log.End));
        Assert.Equal(second.Offset + 120, log.End.Offset);
        log.Truncate(log.End); // to the end: nothing to drop
        Assert.Equal(second.Offset + 120, log.End.Offset);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_enumeration_started_before_a_truncation_stops(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        LogPosition first = log.Append(new byte[10]);
        log.Append(new byte[10]);
        LogRecordEnumerator records = log.ReadAll().GetEnumerator();
        Assert.True(records.MoveNext());
        log.Truncate(first);
        try
        {
            records.MoveNext();
            Assert.Fail("MoveNext went on after a truncation");
        }
        catch (InvalidOperationException)
        {
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Files_from_other_programs_are_refused_and_left_unchanged(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        foreach ((string what, byte[] content) in new (string, byte[])[]
        {
            ("random bytes", Patterns.Bytes(64 << 10, 10)),
            ("text", Encoding.UTF8.GetBytes(string.Concat(System.Linq.Enumerable.Repeat("not a log\n", 1000)))),
            ("shorter than the header", Patterns.Bytes(100, 11)),
            ("zero magic, data later", ZeroMagicWithData()),
            ("another log format", OtherLogFormat()),
        })
        {
            using var path = new TempPath(TestEnvironment.Directories[0], ".bin");
            File.WriteAllBytes(path.Path, content);
            foreach (FileMode mode in new[] { FileMode.Open, FileMode.OpenOrCreate })
            {
                var refused = Assert.Throws<PmemLogFormatException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: mode)));
                Assert.Contains("not a PmdkSharp log", refused.Message);
                Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(path.Path)), $"{what}: the file changed");
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_newer_format_version_or_a_damaged_header_is_refused_and_left_unchanged(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        foreach ((string what, int offset, byte value, string expected) in new (string, int, byte, string)[]
        {
            ("version 3", 8, 3, "format version 3"),
            ("version 258", 9, 1, "format version 258"),
            ("created-by changed", 30, (byte)'#', "damaged header"),
            ("record format changed", 12, 9, "damaged header"),
            ("checksum changed", 57, 0x5A, "damaged header"),
        })
        {
            using var path = new TempPath(TestEnvironment.Directories[0], ".log");
            PmemLogRecoveryTests.Fill(path.Path, backend, 3, seed: 12);
            byte[] bytes = File.ReadAllBytes(path.Path);
            bytes[offset] = value;
            File.WriteAllBytes(path.Path, bytes);
            var refused = Assert.Throws<PmemLogFormatException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend)));
            Assert.True(refused.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {refused.Message}");
            Assert.Contains("not changed", refused.Message);
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path.Path)), $"{what}: the file changed");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_interrupted_creation_is_finished_only_when_the_mode_creates(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        // What a crash inside Create can leave: the header fields without the magic, zeros after them.
        byte[] unfinished = new byte[16 << 10];
        File.WriteAllBytes(path.Path, unfinished);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
            Assert.True(log.WasCreated); // all zeros: not even a header field was persisted
        byte[] formatted = File.ReadAllBytes(path.Path);
        Array.Clear(formatted, 0, 8); // the magic is the last thing creation persists
        File.WriteAllBytes(path.Path, formatted);
        Assert.Throws<PmemLogFormatException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)));
        Assert.Equal(formatted, File.ReadAllBytes(path.Path));
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            Assert.True(log.WasCreated);
            Assert.True(log.IsEmpty);
        }
        File.WriteAllBytes(path.Path, Array.Empty<byte>());
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
            Assert.True(log.WasCreated);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Modes_and_options_are_checked(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        Assert.Throws<FileNotFoundException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 4096 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 1 << 20, MaxLength = 1 << 16 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, MaxRecordLength = 0 }));
        Assert.Throws<ArgumentException>(() => PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, ReadOnly = true }));
        Assert.False(File.Exists(path.Path));
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.CreateNew)))
            log.Append("kept"u8);
        Assert.Throws<IOException>(() => PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.CreateNew)));
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Create)))
            Assert.True(log.IsEmpty); // Create replaces
        var disposed = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => disposed.Append("x"u8));
        Assert.Throws<ObjectDisposedException>(() => disposed.ReadAll());
    }

    private static byte[] ZeroMagicWithData()
    {
        byte[] bytes = new byte[16 << 10];
        bytes[9000] = 1;
        return bytes;
    }

    /// <summary>The tests' own ChecksummedLog format: a different magic at the same place.</summary>
    private static byte[] OtherLogFormat()
    {
        byte[] bytes = new byte[16 << 10];
        BitConverter.TryWriteBytes(bytes, 0x31474F4C4B444D50UL); // "PMDKLOG1"
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 64L);
        return bytes;
    }
}
