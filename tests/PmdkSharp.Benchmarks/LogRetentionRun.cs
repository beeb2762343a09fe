using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using PmdkSharp.Log;

namespace PmdkSharp.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- log-retention --dir DIR [--appends N] [--window-mib 256] [--record 64] [--rounds 3] [--compare-appends M]`:
/// a log that runs forever. N appends of one record size through a ring of the window's size, the
/// consumed head dropped as it goes (TruncateBefore every 4096 appends, keeping the newer half of the
/// window), checked for: no PmemLogFullException, the file's allocated bytes never above the window
/// plus the header page, the mapping's size and resident bytes in /proc/self/smaps bounded by the same.
/// Then the cost of dropping the head: alternating rounds of the same appends into a fresh log with
/// and without head drops (no wrap in either), appends/s of each, the median ratio printed.
/// </summary>
internal static class LogRetentionRun
{
    private const int DropEvery = 4096;

    public static int Run(string[] args)
    {
        string dir = Argument(args, "--dir") ?? "/dev/shm";
        long appends = long.Parse(Argument(args, "--appends") ?? "10000000", CultureInfo.InvariantCulture);
        long window = long.Parse(Argument(args, "--window-mib") ?? "256", CultureInfo.InvariantCulture) << 20;
        int record = int.Parse(Argument(args, "--record") ?? "64", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Argument(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        // On a disk every append waits for a device flush: the comparison takes fewer appends there.
        long compare = long.Parse(Argument(args, "--compare-appends") ?? "0", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(dir);
        Console.WriteLine($"# log-retention dir={dir} appends={appends} window={window >> 20} MiB record={record} B " +
            $"PMEM_IS_PMEM_FORCE={Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE") ?? ""} load={File.ReadAllText("/proc/loadavg").Trim()}");
        string path = Path.Combine(dir, $"log-retention-{Environment.ProcessId}.log");
        try
        {
            int status = Soak(path, appends, window, record);
            Compare(path, Math.Min(compare > 0 ? compare : appends, (window - 4096) / 2 / LogRecordSize(record)), window, record, rounds);
            return status;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static long LogRecordSize(int payload) => (16 + payload + 7) & ~7L;

    /// <summary>The long run: appends through the ring with the head dropped; returns 1 when a bound was broken.</summary>
    private static int Soak(string path, long appends, long window, int record)
    {
        File.Delete(path);
        long limit = window + 4096;
        byte[] payload = new byte[record];
        var positions = new LogPosition[DropEvery * 64];
        long keep = (window / 2) / LogRecordSize(record); // records kept behind the tail at each drop
        long maxAllocated = 0, maxMapped = 0, maxResident = 0;
        var clock = Stopwatch.StartNew();
        using (var log = PmemLog.Open(path, new PmemLogOptions { Length = 1 << 20, MaxLength = limit }))
        {
            for (long i = 0; i < appends; i++)
            {
                BitConverter.TryWriteBytes(payload, i);
                positions[i % positions.Length] = log.Append(payload);
                if (i % DropEvery == DropEvery - 1 && i >= keep && keep < positions.Length)
                    log.TruncateBefore(positions[(i - keep) % positions.Length]);
                else if (i % DropEvery == DropEvery - 1 && keep >= positions.Length)
                    log.KeepLast(window / 2);
                if (i % (1 << 20) == 0 || i == appends - 1)
                {
                    maxAllocated = Math.Max(maxAllocated, AllocatedBytes(path));
                    (long size, long rss) = Smaps(path);
                    maxMapped = Math.Max(maxMapped, size);
                    maxResident = Math.Max(maxResident, rss);
                }
            }
            Console.WriteLine($"soak: {appends} appends in {clock.Elapsed.TotalSeconds:F1} s ({appends / clock.Elapsed.TotalSeconds:F0}/s), " +
                $"{(log.End.Offset - 4096) / (double)log.Capacity:F1} laps of a {log.Capacity}-byte ring, live {log.LiveBytes} bytes");
        }
        bool ok = maxAllocated <= limit && maxMapped <= limit + (2 << 20) && maxResident <= limit;
        Console.WriteLine($"soak: file allocated max {maxAllocated} B, mapped max {maxMapped} B, resident max {maxResident} B; bound {limit} B: {(ok ? "held" : "BROKEN")}");
        return ok ? 0 : 1;
    }

    /// <summary>Appends/s with and without dropping the head, in alternating rounds of the same appends.</summary>
    private static void Compare(string path, long appends, long window, int record, int rounds)
    {
        var with = new List<double>();
        var without = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            without.Add(Rate(path, appends, window, record, drop: false));
            with.Add(Rate(path, appends, window, record, drop: true));
        }
        double a = Median(with), b = Median(without);
        Console.WriteLine($"head drops: {a:F0} appends/s with, {b:F0} without (medians of {rounds}, {appends} appends each): ratio {a / b:F3}");
    }

    private static double Rate(string path, long appends, long window, int record, bool drop)
    {
        File.Delete(path);
        byte[] payload = new byte[record];
        using var log = PmemLog.Open(path, new PmemLogOptions { Length = window + 4096, MaxLength = window + 4096, Prefault = PrefaultMode.PopulateWrite });
        LogPosition half = log.Start;
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < appends; i++)
        {
            LogPosition at = log.Append(payload);
            if (drop && i % DropEvery == DropEvery - 1)
            {
                log.TruncateBefore(half);
                half = at;
            }
        }
        return appends / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static long AllocatedBytes(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? BlocksOf(path) : 0;
    }

    /// <summary>Allocated bytes from stat(1)'s block count (512-byte units).</summary>
    private static long BlocksOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b", path]) { RedirectStandardOutput = true })!;
        string text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(text.Trim(), CultureInfo.InvariantCulture) * 512;
    }

    /// <summary>The summed Size and Rss (bytes) of this process's mappings of <paramref name="path"/>.</summary>
    private static (long Size, long Rss) Smaps(string path)
    {
        long size = 0, rss = 0;
        bool inFile = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (char.IsDigit(line[0]) || (line[0] >= 'a' && line[0] <= 'f' && line.Contains('-') && line.Contains(' ')))
            {
                inFile = line.EndsWith(path, StringComparison.Ordinal);
                continue;
            }
            if (!inFile)
                continue;
            if (line.StartsWith("Size:", StringComparison.Ordinal))
                size += Kilobytes(line);
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                rss += Kilobytes(line);
        }
        return (size, rss);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
