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
/// Dropping the consumed head (<see cref="PmemLog.TruncateBefore"/>, <see cref="PmemLog.KeepLast"/>)
/// and the ring it makes possible: a log that runs through many times its capacity in a bounded file,
/// positions that only grow, reads of live records only, and every bad position refused with nothing changed.
/// </summary>
public class PmemLogRetentionTests
{
    private const long MaxLength = 64 << 10;

    private readonly ITestOutputHelper output;

    public PmemLogRetentionTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_log_runs_through_many_laps_in_a_bounded_file(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var live = new List<(LogPosition Position, byte[] Payload)>();
        long appended = 0, laps = 0;
        PmemLog log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 8 << 10, maxLength: MaxLength));
        try
        {
            long capacity = log.Capacity;
            while (appended < 12 * capacity)
            {
                byte[] payload = Patterns.Bytes(random.Next(1, 3000), random.Next());
                LogPosition at;
                try
                {
                    at = log.Append(payload);
                }
                catch (PmemLogFullException)
                {
                    // The consumer catches up: drop the older half.
                    int drop = Math.Max(1, live.Count / 2);
                    log.TruncateBefore(live[drop].Position);
                    live.RemoveRange(0, drop);
                    Assert.Equal(live[0].Position, log.Start);
                    continue;
                }
                Assert.True(live.Count == 0 || at > live[^1].Position, $"position {at} does not follow {live.LastOrDefault().Position}");
                live.Add((at, payload));
                appended += payload.Length;
                laps = (at.Offset - 4096) / capacity;
                Assert.True(log.Length <= MaxLength, $"file {log.Length} bytes");
                if (random.Next(40) == 0)
                {
                    // A restart: the live records come back, the next append continues after them.
                    log.Dispose();
                    log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 8 << 10, maxLength: MaxLength));
                    AssertLive(log, live);
                }
            }
            AssertLive(log, live);
            Assert.True(laps >= 10, $"only {laps} laps");
            Assert.True(new FileInfo(path.Path).Length <= MaxLength);
            output.WriteLine($"{appended} bytes through a {capacity}-byte ring: {laps} laps, {live.Count} live records");
        }
        finally
        {
            log.Dispose();
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Records_before_the_start_are_gone_and_positions_stay(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            for (int i = 0; i < 20; i++)
                positions.Add(log.Append(LogTestFiles.Payload(1, i)));
            LogRecordEnumerator behind = log.ReadAll().GetEnumerator();
            Assert.True(behind.MoveNext());
            log.TruncateBefore(positions[5]);
            Assert.Equal(positions[5], log.Start);
            Assert.Throws<InvalidOperationException>(() => behind.MoveNext());
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(positions[4]));
            Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadFrom(positions[0]));
            Assert.Equal(LogTestFiles.Payload(1, 5), log.Read(positions[5]).Payload.ToArray());
            log.TruncateBefore(positions[5]); // twice: nothing changes
            Assert.Equal(positions[5], log.Start);
        }
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            Assert.Equal(positions[5], log.Start);
            Assert.Equal(Enumerable.Range(5, 15).Select(i => LogTestFiles.Payload(1, i)), ReadAll(log));
            LogPosition next = log.Append("after the reopen"u8);
            Assert.True(next > positions[19]);
            log.TruncateBefore(log.End); // everything consumed: empty, positions go on
            Assert.True(log.IsEmpty);
            Assert.Equal(0, log.LiveBytes);
            Assert.True(log.Append("x"u8) > next);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Bad_positions_are_refused_and_change_nothing(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        var positions = Enumerable.Range(0, 10).Select(i => log.Append(LogTestFiles.Payload(2, i))).ToList();
        log.TruncateBefore(positions[3]);
        byte[] before = File.ReadAllBytes(path.Path);
        foreach (long bad in new[] { positions[3].Offset + 8, log.End.Offset + 8, positions[2].Offset, 0, -8, 4095 })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateBefore(new LogPosition(bad)));
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Truncate(new LogPosition(bad)));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => log.KeepLast(-1));
        Assert.Equal(positions[3], log.Start);
        Assert.Equal(before, File.ReadAllBytes(path.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void KeepLast_keeps_the_newest_records_within_the_bytes(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend));
        var positions = Enumerable.Range(0, 10).Select(i => log.Append(new byte[100])).ToList(); // 120 bytes each with the header
        Assert.Equal(positions[7], log.KeepLast(360));
        Assert.Equal(360, log.LiveBytes);
        Assert.Equal(positions[8], log.KeepLast(359));
        Assert.Equal(log.End, log.KeepLast(0));
        Assert.True(log.IsEmpty);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_full_ring_says_so_until_the_head_is_dropped(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 8 << 10, maxLength: MaxLength));
        var positions = new List<LogPosition>();
        while (true)
        {
            try
            {
                positions.Add(log.Append(new byte[1000]));
            }
            catch (PmemLogFullException e)
            {
                Assert.Contains("TruncateBefore", e.Message);
                break;
            }
        }
        LogPosition end = log.End;
        Assert.Throws<PmemLogFullException>(() => log.Append(new byte[1000]));
        Assert.Equal(end, log.End);
        log.TruncateBefore(positions[2]);
        LogPosition wrapped = log.Append(new byte[1000]); // the next lap reuses the dropped head's bytes
        Assert.True(wrapped > end);
        Assert.Equal(new byte[1000], log.Read(wrapped).Payload.ToArray());
        Assert.Equal(positions.Count - 2 + 1, ReadAll(log).Count);
    }

    private static void AssertLive(PmemLog log, List<(LogPosition Position, byte[] Payload)> live)
    {
        int i = 0;
        foreach (LogRecord record in log.ReadAll())
        {
            Assert.Equal(live[i].Position, record.Position);
            Assert.True(live[i].Payload.AsSpan().SequenceEqual(record.Payload), $"record {i} at {record.Position} differs");
            i++;
        }
        Assert.Equal(live.Count, i);
    }

    private static List<byte[]> ReadAll(PmemLog log)
    {
        var records = new List<byte[]>();
        foreach (LogRecord record in log.ReadAll())
            records.Add(record.Payload.ToArray());
        return records;
    }
}
