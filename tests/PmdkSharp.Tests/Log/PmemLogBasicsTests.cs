using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

public class PmemLogBasicsTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Appended_records_read_back_in_order_and_survive_reopen(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            Assert.True(log.WasCreated);
            Assert.True(log.IsEmpty);
            Assert.Equal(log.Start, log.End);
            Assert.Equal(TestEnvironment.ExpectPmem(directory), log.IsPersistentMemory);
            for (int i = 0; i < 50; i++)
                positions.Add(log.Append(LogTestFiles.Payload(1, i)));
            Assert.Equal(log.Start, positions[0]);
            AssertRecords(log, 1, log.Start, 0, 50, positions);
            Assert.Equal(LogTestFiles.Payload(1, 17), log.Read(positions[17]).Payload.ToArray());
            Assert.Equal(log.End.Offset, LogTestFiles.RecoveredEnd(path.Path, backend)); // the records prove themselves in the file
        }
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)))
        {
            Assert.False(log.WasCreated);
            Assert.StartsWith("PmdkSharp ", log.CreatedBy);
            AssertRecords(log, 1, log.Start, 0, 50, positions);
            AssertRecords(log, 1, positions[30], 30, 50, positions);
            LogVerification verification = log.Verify();
            Assert.True(verification.IsValid, verification.ToString());
            Assert.Equal(50, verification.Records);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_batch_is_contiguous_and_reports_each_position(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        log.Append(LogTestFiles.Payload(2, 0));
        var batch = new ReadOnlyMemory<byte>[16];
        for (int i = 0; i < batch.Length; i++)
            batch[i] = LogTestFiles.Payload(2, i + 1);
        var positions = new LogPosition[16];
        LogPosition first = log.AppendBatch(batch, positions);
        Assert.Equal(positions[0], first);
        int n = 0;
        foreach (LogRecord record in log.ReadFrom(first))
        {
            Assert.Equal(positions[n], record.Position);
            Assert.Equal(batch[n].ToArray(), record.Payload.ToArray());
            if (n > 0)
                Assert.True(positions[n] > positions[n - 1]);
            n++;
        }
        Assert.Equal(16, n);
        Assert.Equal(log.End, log.AppendBatch(ReadOnlySpan<ReadOnlyMemory<byte>>.Empty)); // an empty batch appends nothing
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Truncate_rewinds_and_the_next_append_goes_there(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            for (int i = 0; i < 20; i++)
                positions.Add(log.Append(LogTestFiles.Payload(3, i)));
            log.Truncate(positions[12]);
            Assert.Equal(positions[12], log.End);
            AssertRecords(log, 3, log.Start, 0, 12, positions);
            Assert.Equal(positions[12], log.Append("after the rewind"u8));
        }
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)))
        {
            int n = 0;
            foreach (LogRecord record in log.ReadAll())
                Assert.Equal(n++ < 12 ? LogTestFiles.Payload(3, n - 1) : "after the rewind"u8.ToArray(), record.Payload.ToArray());
            Assert.Equal(13, n);
            log.Truncate(log.Start);
            Assert.True(log.IsEmpty);
        }
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)))
            Assert.True(log.IsEmpty);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void The_file_grows_by_itself_then_says_it_is_full(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        const long max = 256 << 10;
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 8192, maxLength: max));
        Assert.Equal(8192, log.Length);
        byte[] record = Patterns.Bytes(1000, 4);
        var positions = new List<LogPosition>();
        PmemLogFullException? full = null;
        while (full is null)
        {
            try
            {
                positions.Add(log.Append(record));
            }
            catch (PmemLogFullException e)
            {
                full = e;
            }
        }
        Assert.Equal(max, log.Length);
        Assert.Equal(max, new FileInfo(path.Path).Length);
        Assert.Contains("full", full.Message);
        // Every record appended before the log filled up is still there, and the log still takes what fits.
        Assert.True(positions.Count >= (max - 4096) / 1016 - 1, $"only {positions.Count} records fit");
        long left = max - log.End.Offset;
        Assert.True(left < 1016);
        LogPosition end = log.End;
        if (left >= 24)
            log.Append(new byte[left - 16]);
        Assert.Throws<PmemLogFullException>(() => log.Append(new byte[8]));
        int n = 0;
        foreach (LogRecord r in log.ReadAll())
            if (n++ < positions.Count)
                Assert.Equal(record, r.Payload.ToArray());
        Assert.True(n >= positions.Count);
        log.Truncate(end);
        log.Append(record.AsSpan(0, 10)); // room again after truncation
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_read_only_log_reads_and_refuses_changes(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
            log.Append("one"u8);
        byte[] before = File.ReadAllBytes(path.Path);
        using (var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true }))
        {
            Assert.True(log.IsReadOnly);
            Assert.Throws<NotSupportedException>(() => log.Append("two"u8));
            Assert.Throws<NotSupportedException>(() => log.AppendBatch(new ReadOnlyMemory<byte>[] { new byte[3] }));
            Assert.Throws<NotSupportedException>(() => log.Truncate(log.Start));
            foreach (LogRecord r in log.ReadAll())
                Assert.Equal("one"u8.ToArray(), r.Payload.ToArray());
        }
        Assert.Equal(before, File.ReadAllBytes(path.Path));
    }

    private static void AssertRecords(PmemLog log, int seed, LogPosition from, int first, int end, List<LogPosition> positions)
    {
        int i = first;
        foreach (LogRecord record in log.ReadFrom(from))
        {
            Assert.True(i < end, $"more records than the {end} appended");
            Assert.Equal(positions[i], record.Position);
            Assert.Equal(LogTestFiles.Payload(seed, i), record.Payload.ToArray());
            Assert.Equal(i + 1 < positions.Count ? positions[i + 1] : log.End, record.Next);
            i++;
        }
        Assert.Equal(end, i);
    }
}
