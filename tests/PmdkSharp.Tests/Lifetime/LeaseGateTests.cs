using System;
using System.Diagnostics;
using System.Threading;
using PmdkSharp.Lifetime;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Lifetime;

/// <summary>
/// The lease gate alone, where its promise ("never released while a lease is held") can be asserted
/// without touching a mapping: a release that came too early shows as a flag, not as a crash.
/// </summary>
public class LeaseGateTests(ITestOutputHelper output)
{
    [Fact]
    public void Close_while_a_lease_is_held_releases_only_when_the_last_one_leaves()
    {
        int releases = 0;
        var gate = new LeaseGate(() => Interlocked.Increment(ref releases));
        Assert.True(gate.TryEnter(out LeaseGate.Lease mine));
        Assert.True(gate.TryEnter(out LeaseGate.Lease nested));

        // A lease held by another thread counts the same as one held here.
        using var entered = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            Assert.True(gate.TryEnter(out LeaseGate.Lease theirs));
            entered.Set();
            leave.Wait();
            theirs.Dispose();
        });
        other.Start();
        entered.Wait();

        gate.Close();
        Assert.True(gate.IsClosing);
        Assert.False(gate.TryEnter(out _));
        Assert.Equal(0, Volatile.Read(ref releases));
        nested.Dispose();
        Assert.Equal(0, Volatile.Read(ref releases));
        mine.Dispose();
        Assert.Equal(0, Volatile.Read(ref releases));
        Assert.False(gate.IsReleased);

        leave.Set();
        other.Join();
        Assert.Equal(1, Volatile.Read(ref releases));
        Assert.True(gate.IsReleased);
        gate.Close();
        Assert.Equal(1, Volatile.Read(ref releases));
    }

    [Fact]
    public void Close_with_nobody_inside_releases_at_once_and_once()
    {
        int releases = 0;
        var gate = new LeaseGate(() => Interlocked.Increment(ref releases));
        Assert.True(gate.TryEnter(out LeaseGate.Lease lease));
        lease.Dispose();
        gate.Close();
        Assert.Equal(1, releases);
        gate.Close();
        lease.Dispose();
        Assert.Equal(1, releases);
    }

    /// <summary>
    /// Store buffering, the litmus test for the gate's Dekker pair. A holder thread enters and leaves each
    /// new gate in a tight loop (a store to its slot, then a load of the closing flag) while this thread
    /// closes the gate after a random spin (a store to the closing flag, then a scan of the slots). Without
    /// a full fence on both sides each can miss the other's store: the holder gets in, the closer sees
    /// nobody and releases. The closing side pays for both with a process-wide barrier; remove it and
    /// the holder's store can still sit in its core's store buffer during the scan. Detection is a second
    /// Dekker pair in the test, fenced on both sides (Interlocked): the release sets its gate's flag then
    /// looks for a holder, a holder marks itself then looks at the flag, so at least one of them sees the
    /// other. Bounded by rounds and time (no timing asserted); the seed and the figures are printed.
    /// </summary>
    [Fact]
    public void A_closing_gate_never_releases_while_a_racing_lease_is_held()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        bool longMode = Environment.GetEnvironmentVariable("PMDKSHARP_LONG") == "1";
        long maxRounds = longMode ? 20_000_000 : 2_000_000;
        TimeSpan limit = TimeSpan.FromSeconds(longMode ? 120 : 5);
        int holders = Math.Clamp(Environment.ProcessorCount - 1, 1, 3);
        output.WriteLine($"seed {seed}, {holders} holder thread(s), up to {maxRounds} rounds or {limit.TotalSeconds} s");

        Round? current = null;
        bool stop = false;
        long entries = 0, violations = 0;
        string? firstViolation = null;
        var holdingSlots = new Round?[holders];
        var threads = new Thread[holders];
        for (int h = 0; h < holders; h++)
        {
            int index = h;
            threads[h] = new Thread(() =>
            {
                long mine = 0;
                while (!Volatile.Read(ref stop))
                {
                    Round? round = Volatile.Read(ref current);
                    if (round is null || !round.Gate.TryEnter(out LeaseGate.Lease lease))
                        continue;
                    mine++;
                    Interlocked.Exchange(ref holdingSlots[index], round);
                    if (Interlocked.CompareExchange(ref round.Released, 0, 0) != 0)
                        Report(ref violations, ref firstViolation, $"holder {index} entered round {round.Number} and then found it released");
                    Interlocked.Exchange(ref holdingSlots[index], null);
                    lease.Dispose();
                }
                Interlocked.Add(ref entries, mine);
            }) { IsBackground = true, Name = $"lease holder {h}" };
            threads[h].Start();
        }

        var clock = Stopwatch.StartNew();
        long rounds = 0;
        while (rounds < maxRounds && clock.Elapsed < limit && Volatile.Read(ref violations) == 0)
        {
            var round = new Round(++rounds);
            round.Gate = new LeaseGate(() =>
            {
                Interlocked.Exchange(ref round.Released, 1);
                for (int h = 0; h < holders; h++)
                    if (ReferenceEquals(Volatile.Read(ref holdingSlots[h]), round))
                        Report(ref violations, ref firstViolation, $"round {round.Number} released while holder {h} held a lease");
            });
            Volatile.Write(ref current, round);
            for (int spin = random.Next(64); spin > 0; spin--)
                Thread.SpinWait(1);
            round.Gate.Close();
        }
        Volatile.Write(ref stop, true);
        foreach (Thread thread in threads)
            thread.Join();

        output.WriteLine($"{rounds} rounds in {clock.Elapsed.TotalSeconds:F1} s, {Interlocked.Read(ref entries)} leases taken, {violations} violations");
        Assert.True(violations == 0, $"seed {seed}: {violations} release(s) while a lease was held, the first: {firstViolation}");
        Assert.True(Interlocked.Read(ref entries) > 0, $"seed {seed}: no holder ever entered a gate in {rounds} rounds: the race was not run");
    }

    private static void Report(ref long violations, ref string? first, string what)
    {
        Interlocked.Increment(ref violations);
        Interlocked.CompareExchange(ref first, what, null);
    }

    private sealed class Round(long number)
    {
        public long Number { get; } = number;

        public LeaseGate Gate = null!;

        public int Released;
    }
}
