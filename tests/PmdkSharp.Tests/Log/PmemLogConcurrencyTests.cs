using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Log;

public class PmemLogConcurrencyTests
{
    private readonly ITestOutputHelper output;

    public PmemLogConcurrencyTests(ITestOutputHelper output) => this.output = output;

    /// <summary>
    /// Appenders (single records and batches) and readers at once: every acknowledged record is read
    /// back exactly once at the position it was acknowledged with, and a reader never sees a record
    /// that is not intact (each payload carries its own id and is a function of it).
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Concurrent_appenders_and_readers_see_every_acknowledged_record_exactly_once(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        const int appenders = 4, readers = 2;
        int perAppender = TestEnvironment.ExpectPmem(directory) ? 400 : 100;
        using var path = new TempPath(directory, ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 16 << 10, maxLength: 64 << 20));
        var acknowledged = new ConcurrentDictionary<long, LogPosition>();
        using var stop = new CancellationTokenSource();

        Task[] readerTasks = new Task[readers];
        for (int r = 0; r < readers; r++)
        {
            readerTasks[r] = Task.Run(() =>
            {
                long passes = 0;
                while (!stop.IsCancellationRequested)
                {
                    LogPosition previous = default;
                    foreach (LogRecord record in log.ReadAll())
                    {
                        Assert.True(record.Position > previous, $"seed {seed}: positions went back");
                        previous = record.Position;
                        CheckPayload(record.Payload, seed);
                    }
                    passes++;
                }
                return passes;
            });
        }

        Task[] appenderTasks = new Task[appenders];
        for (int a = 0; a < appenders; a++)
        {
            int thread = a;
            appenderTasks[a] = Task.Run(() =>
            {
                var random = new Random(HashCode.Combine(seed, thread));
                int i = 0;
                while (i < perAppender)
                {
                    if (random.Next(4) == 0)
                    {
                        int count = Math.Min(random.Next(2, 17), perAppender - i);
                        var batch = new ReadOnlyMemory<byte>[count];
                        for (int k = 0; k < count; k++)
                            batch[k] = MakePayload(Id(thread, i + k), seed);
                        var positions = new LogPosition[count];
                        log.AppendBatch(batch, positions);
                        // Acknowledged means committed: the end already covers the whole batch.
                        Assert.True(log.End > positions[count - 1], $"AppendBatch returned {positions[count - 1]} before the end {log.End} covered it");
                        for (int k = 0; k < count; k++)
                            Assert.True(acknowledged.TryAdd(Id(thread, i + k), positions[k]));
                        i += count;
                    }
                    else
                    {
                        LogPosition at = log.Append(MakePayload(Id(thread, i), seed));
                        Assert.True(log.End > at, $"Append returned {at} before the end {log.End} covered it");
                        Assert.True(acknowledged.TryAdd(Id(thread, i), at));
                        i++;
                    }
                }
            });
        }
        Task.WaitAll(appenderTasks);
        stop.Cancel();
        Task.WaitAll(readerTasks);

        Assert.Equal(appenders * perAppender, acknowledged.Count);
        var seen = new HashSet<long>();
        long records = 0;
        using (var reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            foreach (LogRecord record in reopened.ReadAll())
            {
                long id = CheckPayload(record.Payload, seed);
                Assert.True(seen.Add(id), $"seed {seed}: record {id} read twice");
                Assert.True(acknowledged.TryGetValue(id, out LogPosition at) && at == record.Position, $"seed {seed}: record {id} at {record.Position}, acknowledged at {at}");
                records++;
            }
        }
        Assert.Equal(acknowledged.Count, records);
        output.WriteLine($"{records} records from {appenders} appenders, {readers} readers; file grew to {log.Length} bytes");
    }

    /// <summary>
    /// Acknowledgement in file order: an append stopped after its reservation, with its record
    /// written but not yet durable (held in its persist: on pmem its own flush, elsewhere its
    /// commit's msync), keeps a later append from returning until a finished persist covers the
    /// first's record too: on pmem never before the first goes on (only its own flush persists
    /// it). Both return, each within the end. Guards the commit's "every earlier append completed"
    /// condition.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_later_append_never_returns_before_an_earlier_one_is_durable(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        HoldingStrategy? holding = null;
        PmemLogOptions defaults = LogTestFiles.Options(backend);
        using var log = PmemLog.Open(path.Path, new PmemLogOptions
        {
            Backend = backend, Length = defaults.Length, MaxLength = defaults.MaxLength,
            StrategyDecorator = inner => holding = new HoldingStrategy(inner),
        });
        Assert.NotNull(holding);
        log.Append(new byte[] { 1 }); // the log's own start-up persists are behind us

        var first = new Thread(() => log.Append(new byte[] { 2 }));
        holding.HoldNext(first.ManagedThreadId);
        first.Start();
        Assert.True(holding.Holding.Wait(TimeSpan.FromSeconds(30)), "the first append never reached its persist");

        var second = Task.Run(() => log.Append(new byte[] { 3 }));
        // However long we wait, the second append cannot return before the first's record is durable.
        bool returnedEarly = second.Wait(TimeSpan.FromSeconds(2));
        bool firstDurable = holding.PersistedAll(holding.HeldRange);
        holding.Release();
        first.Join();
        LogPosition secondAt = second.GetAwaiter().GetResult();
        Assert.False(returnedEarly && !firstDurable, $"the second append returned ({secondAt}) while the first, before it, was not yet durable");
        if (log.Mapping.Granularity != StoreGranularity.Page)
            Assert.False(returnedEarly, $"the second append returned ({secondAt}) while the first's own flush was held");
        Assert.True(log.End > secondAt);
        var payloads = new List<byte>();
        foreach (LogRecord record in log.ReadAll())
            payloads.AddRange(record.Payload.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, payloads);
    }

    /// <summary>
    /// Linux reports a write-back error to one msync of the file, whichever range it asked for, so
    /// an append whose own msync succeeded is acknowledged only once every msync running beside it
    /// has ended, and never when one of them failed: held in its msync, an earlier appender keeps a
    /// later one (whose msync covered both records) from returning; released, both return; failed,
    /// both throw and nothing past the committed end is published. Guards the publish at the last
    /// msync's end and the failure it checks.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(BackendsDirectoriesAndOutcomes))]
    public void An_append_waits_for_every_msync_beside_its_own(PmemBackendKind backend, string directory, bool heldOneFails)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        HoldingStrategy? holding = null;
        PmemLogOptions defaults = LogTestFiles.Options(backend);
        PmemLog log = PmemLog.Open(path.Path, new PmemLogOptions
        {
            Backend = backend, Length = defaults.Length, MaxLength = defaults.MaxLength,
            StrategyDecorator = inner => holding = new HoldingStrategy(inner),
        });
        bool stuck = false;
        try
        {
            AppendBesideAHeldMsync(log, holding!, heldOneFails, ref stuck);
        }
        finally
        {
            if (!stuck) // disposing would wait for a stuck append's hold on the mapping: leave that log open
                log.Dispose();
        }
    }

    private static void AppendBesideAHeldMsync(PmemLog log, HoldingStrategy holding, bool heldOneFails, ref bool stuck)
    {
        Skip.If(log.Mapping.Granularity != StoreGranularity.Page, "on persistent memory each appender flushes its own record: no msyncs to wait for");
        using var go = new ManualResetEventSlim();
        Exception? heldFailure = null;
        var appender = new Thread(() =>
        {
            log.Append(new byte[] { 1 });
            go.Wait();
            try
            {
                log.Append(new byte[] { 3 }); // held in its msync
            }
            catch (Exception e)
            {
                heldFailure = e;
            }
        }) { IsBackground = true };
        appender.Start();
        while (log.End.Offset == log.Start.Offset)
            Thread.Yield();
        log.Append(new byte[] { 2 }); // a second appending thread: every append commits through the lock from now on
        LogPosition committed = log.End;
        holding.HoldNext(appender.ManagedThreadId);
        go.Set();
        Assert.True(holding.Holding.Wait(TimeSpan.FromSeconds(30)), "the appender never reached its msync");

        var later = Task.Run(() => log.Append(new byte[] { 4 })); // its msync covers the held record too, and succeeds
        bool returnedEarly = later.Wait(TimeSpan.FromSeconds(2));
        if (heldOneFails)
            holding.Fail(new IOException("injected write-back error"));
        else
            holding.Release();
        stuck = !appender.Join(TimeSpan.FromSeconds(30)) || !((IAsyncResult)later).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        Assert.False(stuck, "an append never returned after the held msync ended");
        Assert.False(returnedEarly, "the later append returned while the held msync, which could carry its write-back error, was running");
        if (heldOneFails)
        {
            Assert.IsType<IOException>(heldFailure);
            Assert.ThrowsAny<IOException>(() => later.GetAwaiter().GetResult());
            Assert.Equal(committed, log.End); // nothing past the held append was published
        }
        else
        {
            Assert.Null(heldFailure);
            LogPosition fourth = later.GetAwaiter().GetResult();
            Assert.True(log.End > fourth);
            var payloads = new List<byte>();
            foreach (LogRecord record in log.ReadAll())
                payloads.AddRange(record.Payload.ToArray());
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, payloads);
        }
    }

    public static IEnumerable<object[]> BackendsDirectoriesAndOutcomes() =>
        new BackendsAndDirectories().SelectMany(row => new[] { row.Append(false).ToArray(), row.Append(true).ToArray() });

    private static long Id(int thread, int index) => ((long)thread << 32) | (uint)index;

    private static byte[] MakePayload(long id, int seed)
    {
        var random = new Random(HashCode.Combine(seed, id));
        byte[] payload = new byte[8 + random.Next(1, 200)];
        BinaryPrimitives.WriteInt64LittleEndian(payload, id);
        random.NextBytes(payload.AsSpan(8));
        return payload;
    }

    /// <summary>Checks a payload against the one its id determines; returns the id.</summary>
    private static long CheckPayload(ReadOnlySpan<byte> payload, int seed)
    {
        long id = BinaryPrimitives.ReadInt64LittleEndian(payload);
        Assert.True(payload.SequenceEqual(MakePayload(id, seed)), $"seed {seed}: record {id} differs from what was appended");
        return id;
    }
}
