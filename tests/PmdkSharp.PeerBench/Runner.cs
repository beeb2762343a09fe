using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PmdkSharp.PeerBench.Contenders;

namespace PmdkSharp.PeerBench;

/// <summary>One timed run of one contender: rec/s over the wall time of all appenders, and per-append latency.</summary>
internal sealed record Measurement(string Section, string Contender, int Size, int Appenders, int Round, long Appends, double Seconds, double P50Micros, double P99Micros)
{
    public double RecordsPerSecond => Appends / Seconds;

    /// <summary>Device write requests and cache flushes completed while the appenders ran (null without a block device).</summary>
    public DeviceCounters? Device { get; init; }
}

/// <summary>Runs contenders in fresh files of one directory, interleaved round by round.</summary>
internal static class Runner
{
    /// <summary>
    /// Every contender at every size and appender count, <see cref="Settings.Rounds"/> times; each round
    /// runs all contenders back to back in a rotated order, so a noisy neighbour lands on all of them.
    /// </summary>
    public static List<Measurement> RunSection(string section, IReadOnlyList<Contender> contenders, string root, Settings s,
        int[] sizes, int[] appenderCounts, byte[] source, Action<string> progress)
    {
        var results = new List<Measurement>();
        foreach (Contender c in contenders) // the JIT and first-open costs, untimed
            Run(c, root, s with { Seconds = 0.02, BudgetBytes = 1 << 20 }, 64, 1, source, 0);
        foreach (int size in sizes)
            foreach (int appenders in appenderCounts)
                for (int round = 0; round < s.Rounds; round++)
                {
                    progress($"{section}: {size} B, {appenders} appender(s), round {round + 1}/{s.Rounds}");
                    for (int k = 0; k < contenders.Count; k++)
                    {
                        Contender c = contenders[(k + round) % contenders.Count];
                        results.Add(Run(c, root, s, size, appenders, source, round) with { Section = section });
                    }
                }
        return results;
    }

    public static Measurement Run(Contender contender, string root, Settings s, int size, int appenders, byte[] source, int round)
    {
        string dir = Path.Combine(root, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            long budget = s.BudgetBytes / size * size;
            using IAppender appender = contender.Open(dir, budget + (1 << 20));
            byte[] record = source.AsSpan(0, size).ToArray();
            long deadline = long.MaxValue;
            long reserved = 0, appends = 0;
            var latencies = new long[appenders][];
            using var start = new Barrier(appenders + 1);
            var threads = new Thread[appenders];
            for (int t = 0; t < appenders; t++)
            {
                int me = t;
                latencies[me] = new long[Math.Min(budget / size + 1, 1 << 18)];
                threads[t] = new Thread(() =>
                {
                    long[] mine = latencies[me];
                    long n = 0;
                    start.SignalAndWait();
                    // Every appender makes at least one append, however late a loaded machine starts it.
                    while ((n == 0 || Stopwatch.GetTimestamp() < Volatile.Read(ref deadline)) && Interlocked.Add(ref reserved, size) <= budget)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        appender.Append(record);
                        mine[n++ % mine.Length] = Stopwatch.GetTimestamp() - t0;
                    }
                    Interlocked.Add(ref appends, n);
                    if (n < mine.Length)
                        latencies[me] = mine[..(int)n];
                }) { IsBackground = true };
                threads[t].Start();
            }
            string? deviceStat = DeviceCounters.StatPath(dir);
            DeviceCounters? deviceBefore = deviceStat is null ? null : DeviceCounters.Read(deviceStat);
            long began = Stopwatch.GetTimestamp();
            Volatile.Write(ref deadline, began + (long)(s.Seconds * Stopwatch.Frequency));
            start.SignalAndWait();
            foreach (Thread thread in threads)
                thread.Join();
            double seconds = (double)(Stopwatch.GetTimestamp() - began) / Stopwatch.Frequency;
            DeviceCounters? device = deviceStat is null ? null : DeviceCounters.Read(deviceStat) - deviceBefore!.Value;
            long[] all = latencies.SelectMany(l => l).ToArray();
            Array.Sort(all);
            double Micros(double q) => all.Length == 0 ? double.NaN : all[(int)Math.Min(all.Length - 1, q * all.Length)] * 1e6 / Stopwatch.Frequency;
            return new Measurement("", contender.Name, size, appenders, round, appends, seconds, Micros(0.5), Micros(0.99)) { Device = device };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
