using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// The lone appender's path: a log appended to by one thread appends without its lock; another
/// appender ends that for good, a truncation pauses it, a head drop leaves it alone. Each test checks the
/// records as well as which path ran, so a pause that does not keep the lone appender out (two
/// threads writing at one position) fails as lost or mangled records.
/// </summary>
public class LoneAppenderTests
{
    private readonly ITestOutputHelper output;

    public LoneAppenderTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void One_thread_appends_without_the_lock_and_every_record_survives_a_reopen(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        using var path = new TempPath(directory, ".log");
        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 16 << 10, maxLength: 16 << 20)))
        {
            for (int i = 0; i < 300; i++)
            {
                LogPosition at = log.Append(LogTestFiles.Payload(seed, i));
                Assert.True(log.End > at, $"Append returned {at} before the end {log.End} covered it");
                positions.Add(at);
            }
            // The first append makes the thread the lone appender (the locked path); growing the
            // file takes the lock too. Every other append is the lone appender's.
            output.WriteLine($"{log.LoneAppends} of 300 appends without the lock; file {log.Length} bytes");
            Assert.True(log.LoneAppends >= 280, $"only {log.LoneAppends} of 300 appends took the lone appender's path");
        }
        AssertReopened(path.Path, backend, seed, positions.Select((p, i) => (p, i)).ToList());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_second_appender_ends_the_lone_path_while_the_first_is_appending(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        const int perThread = 2000;
        using var path = new TempPath(directory, ".log");
        var acknowledged = new LogPosition[2 * perThread];
        long loneWhenSecondJoined;
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 1 << 20, maxLength: 16 << 20)))
        {
            using var joined = new ManualResetEventSlim();
            using var started = new ManualResetEventSlim();
            var first = new TestThread(() =>
            {
                for (int i = 0; i < perThread; i++)
                {
                    acknowledged[i] = log.Append(LogTestFiles.Payload(seed, i));
                    if (i == 100)
                        started.Set();
                    if (i == 200)
                        joined.Wait(); // keep half of the appends for after the second appender came
                }
            });
            first.Start();
            Assert.True(started.Wait(TimeSpan.FromSeconds(60)));
            acknowledged[perThread] = log.Append(LogTestFiles.Payload(seed, perThread));
            // Its reservation waited for the lone appender's section to end and ended the lone path.
            loneWhenSecondJoined = log.LoneAppends;
            joined.Set();
            for (int i = perThread + 1; i < 2 * perThread; i++)
                acknowledged[i] = log.Append(LogTestFiles.Payload(seed, i));
            first.Join();
            output.WriteLine($"{loneWhenSecondJoined} appends without the lock, all before the second appender came");
            Assert.True(loneWhenSecondJoined >= 50, $"the first thread made only {loneWhenSecondJoined} appends alone before the second joined");
            Assert.Equal(loneWhenSecondJoined, log.LoneAppends); // nobody appends alone once two threads did
        }
        var all = new Dictionary<LogPosition, int>();
        for (int i = 0; i < acknowledged.Length; i++)
            Assert.True(all.TryAdd(acknowledged[i], i), $"seed {seed}: appends {all.GetValueOrDefault(acknowledged[i])} and {i} were both acknowledged at {acknowledged[i]}");
        AssertReopened(path.Path, backend, seed, all.Select(a => (a.Key, a.Value)).OrderBy(a => a.Key.Offset).ToList());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Dropping_the_head_from_another_thread_leaves_the_lone_appender_appending_alone(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        const int appends = 3000, beforeFirstDrop = 1000;
        using var path = new TempPath(directory, ".log");
        var acknowledged = new LogPosition[appends];
        long start;
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 2 << 20, maxLength: 16 << 20)))
        {
            using var ready = new ManualResetEventSlim();
            using var dropped = new ManualResetEventSlim();
            int done = 0;
            var appender = new TestThread(() =>
            {
                for (int i = 0; i < appends; i++)
                {
                    acknowledged[i] = log.Append(LogTestFiles.Payload(seed, i));
                    Volatile.Write(ref done, i + 1);
                    if (i == beforeFirstDrop - 1)
                    {
                        ready.Set();
                        dropped.Wait();
                    }
                }
            });
            appender.Start();
            Assert.True(ready.Wait(TimeSpan.FromSeconds(60)));
            log.TruncateBefore(acknowledged[beforeFirstDrop / 2]); // from this thread, while the lone appender waits
            long loneAtFirstDrop = log.LoneAppends;
            dropped.Set();
            int drops = 1;
            while (Volatile.Read(ref done) < appends) // more drops while the appender appends alone
            {
                log.TruncateBefore(acknowledged[Volatile.Read(ref done) / 2]);
                drops++;
                Thread.Sleep(1);
            }
            appender.Join();
            long after = log.LoneAppends - loneAtFirstDrop;
            output.WriteLine($"{drops} head drops; {log.LoneAppends} of {appends} appends without the lock, {after} of {appends - beforeFirstDrop} after the first drop");
            Assert.True(loneAtFirstDrop >= beforeFirstDrop - 10, $"only {loneAtFirstDrop} of the first {beforeFirstDrop} appends went without the lock");
            // A head drop moves only the start, which the lone appender reads as a bound: no pause, no append through the lock.
            Assert.True(after >= appends - beforeFirstDrop - 10, $"only {after} appends went without the lock after the first head drop ({drops} drops)");
            start = log.Start.Offset;
        }
        int firstLive = Array.FindIndex(acknowledged, p => p.Offset >= start);
        AssertReopened(path.Path, backend, seed, Enumerable.Range(firstLive, appends - firstLive).Select(i => (acknowledged[i], i)).ToList());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Truncating_from_another_thread_waits_for_the_lone_appenders_append(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        // The appender stays at most `lead` appends past the last truncation, so the log stays small
        // (a truncation drops only the last two records) however the threads are scheduled.
        const int truncationsWanted = 300, lead = 64, capacity = (truncationsWanted + 2) * (lead + 2);
        using var path = new TempPath(directory, ".log");
        var acknowledged = new LogPosition[capacity];
        var expected = new List<(LogPosition Position, int Append)>();
        int truncations = 0, done = 0, truncatedAt = 0;
        long loneAtFirst = 0;
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 2 << 20, maxLength: 16 << 20)))
        {
            bool stop = false;
            var appender = new TestThread(() =>
            {
                for (int i = 0; i < capacity && !Volatile.Read(ref stop); i++)
                {
                    while (i - Volatile.Read(ref truncatedAt) >= lead && !Volatile.Read(ref stop))
                        Thread.Yield();
                    acknowledged[i] = log.Append(LogTestFiles.Payload(seed, i, maxLength: 64));
                    Volatile.Write(ref done, i + 1);
                }
            });
            appender.Start();
            try
            {
                int floor = 0; // appends from this one on started after the last truncation: their records are live
                while (truncations < truncationsWanted && Volatile.Read(ref done) < capacity)
                {
                    int upTo = Volatile.Read(ref done);
                    if (upTo - 2 < floor)
                    {
                        Thread.Yield();
                        continue;
                    }
                    // Back to a record the appender already has: the truncation must wait for its append in flight.
                    log.Truncate(acknowledged[upTo - 2]);
                    if (truncations++ == 0)
                        loneAtFirst = log.LoneAppends;
                    floor = Volatile.Read(ref done) + 1; // the append in flight may have finished before the truncation
                    Volatile.Write(ref truncatedAt, floor - 1);
                }
            }
            finally
            {
                Volatile.Write(ref stop, true);
                appender.Join();
            }
            int appends = Volatile.Read(ref done);
            output.WriteLine($"{truncations} truncations; {log.LoneAppends} of {appends} appends without the lock");
            Assert.Equal(truncationsWanted, truncations);
            // Each truncation pauses the lone appender and lets it go on: at least 3 appends follow each, most of them alone.
            Assert.True(log.LoneAppends - loneAtFirst >= truncations / 2,
                $"only {log.LoneAppends - loneAtFirst} appends went without the lock after the first truncation: the pauses did not end");
            // One more append after the last truncation, which must end the log.
            LogPosition final = log.Append(LogTestFiles.Payload(seed, appends, maxLength: 64));
            // The appends that stayed: the records from Start, each the last append acknowledged at its position.
            var last = new Dictionary<LogPosition, int>();
            for (int i = 0; i < appends; i++)
                last[acknowledged[i]] = i;
            last[final] = appends;
            foreach (LogRecord record in log.ReadAll())
            {
                Assert.True(last.TryGetValue(record.Position, out int i), $"seed {seed}: a record at {record.Position}, where no append was acknowledged");
                Assert.True(record.Payload.SequenceEqual(LogTestFiles.Payload(seed, i, maxLength: 64)), $"seed {seed}: the record at {record.Position} is not append {i}'s");
                expected.Add((record.Position, i));
            }
            Assert.True(expected.Count > 0 && expected[^1].Append == appends, $"seed {seed}: the last append is not the log's last record");
        }
        AssertReopened(path.Path, backend, seed, expected, maxLength: 64);
    }

    /// <summary>
    /// A truncation from another thread, held in its checkpoint's persist (holding the log's lock,
    /// the lone appender paused): the lone appender's next append must wait for it, not append
    /// alone at an end the truncation is moving.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void The_lone_appender_waits_while_another_thread_truncates(PmemBackendKind backend, string directory)
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
        // The lone appender: a thread of its own, so this one can watch it.
        var kept = new LogPosition[3];
        LogPosition fourth = default;
        using var ready = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        using var appended = new ManualResetEventSlim();
        var appender = new TestThread(() =>
        {
            for (int i = 0; i < 3; i++)
                kept[i] = log.Append(new[] { (byte)(i + 1) });
            ready.Set();
            go.Wait();
            fourth = log.Append(new byte[] { 4 });
            appended.Set();
        });
        appender.Start();
        Assert.True(ready.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(log.LoneAppends >= 2, "the appender is not the lone appender");

        var truncating = new TestThread(() => log.Truncate(kept[2]));
        holding.HoldNext(truncating.ManagedThreadId);
        truncating.Start();
        Assert.True(holding.Holding.Wait(TimeSpan.FromSeconds(30)), "the truncation never reached its checkpoint's persist");
        go.Set();
        bool returnedEarly = appended.Wait(TimeSpan.FromSeconds(1));
        holding.Release();
        truncating.Join();
        appender.Join();
        Assert.False(returnedEarly, $"the lone appender's append returned ({fourth}) while a truncation held the log");
        Assert.Equal(kept[2], fourth); // it went where the truncation left the end
        var payloads = new List<byte>();
        foreach (LogRecord record in log.ReadAll())
            payloads.AddRange(record.Payload.ToArray());
        Assert.Equal(new byte[] { 1, 2, 4 }, payloads);
    }

    /// <summary>The reopened log holds exactly <paramref name="expected"/>, in order: each append's payload at its position.</summary>
    private static void AssertReopened(string path, PmemBackendKind backend, int seed, List<(LogPosition Position, int Append)> expected, int maxLength = 300)
    {
        using var log = PmemLog.Open(path, LogTestFiles.Options(backend, maxLength: 16 << 20));
        int k = 0;
        foreach (LogRecord record in log.ReadAll())
        {
            Assert.True(k < expected.Count, $"seed {seed}: more records than appends, one at {record.Position}");
            Assert.Equal(expected[k].Position, record.Position);
            Assert.True(record.Payload.SequenceEqual(LogTestFiles.Payload(seed, expected[k].Append, maxLength)), $"seed {seed}: the record of append {expected[k].Append} at {record.Position} differs");
            k++;
        }
        Assert.Equal(expected.Count, k);
    }

    /// <summary>
    /// A background thread whose exception becomes an assertion at <see cref="Join"/>, not a crash
    /// of the test host (and which never keeps the host alive when a test fails before joining it).
    /// </summary>
    private sealed class TestThread
    {
        private readonly Thread thread;
        private Exception? failure;

        public TestThread(Action body) =>
            thread = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }) { IsBackground = true };

        public int ManagedThreadId => thread.ManagedThreadId;

        public void Start() => thread.Start();

        public void Join()
        {
            thread.Join();
            Assert.Null(failure);
        }
    }
}
