using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using PmdkSharp.PeerBench.Contenders;

namespace PmdkSharp.PeerBench;

/// <summary>The tables of one run: medians of the rounds, and ratios formed only between figures of the same run.</summary>
internal sealed class Report(Settings settings, bool traced)
{
    private readonly List<(Medium Medium, ChildResult Result, List<FlushCount> Flushes)> media = [];

    public void Add(Medium medium, ChildResult result, List<FlushCount> flushes) => media.Add((medium, result, flushes));

    public string Json() => JsonSerializer.Serialize(new
    {
        settings,
        media = media.Select(m => new { m.Medium, m.Result, flushes = m.Flushes.Select(f => new { f.Contender, f.Appenders, f.Appends, f.Calls, f.FlushesPerAppend, f.Opens }) }),
    }, new JsonSerializerOptions(JsonOptions.Default) { WriteIndented = true });

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine("Ratios compare figures of the same run only. Records/s is the throughput of all appenders; p50 is the median latency of one append, "
            + "which a loaded machine disturbs far less than throughput.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Settings: {settings.Name}, {settings.Seconds} s per contender per round (or {Bytes(settings.BudgetBytes)} of records), "
            + $"median of {settings.Rounds} rounds; contenders interleaved in a rotated order each round; {Environment.ProcessorCount} CPUs.");
        foreach ((Medium medium, ChildResult result, List<FlushCount> flushes) in media)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### {medium.Name}: {medium.Description}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"File system {result.FileSystem}; PmemFile backend {result.Backend}, IsPersistentMemory {result.IsPersistentMemory}; "
                + $"load average {result.LoadBefore} before, {result.LoadAfter} after.");
            var appenders = result.Measurements.Where(m => m.Section == "appenders").ToList();
            foreach (int count in appenders.Select(m => m.Appenders).Distinct())
                AppendersTable(md, appenders.Where(m => m.Appenders == count).ToList(), count);
            if (appenders.Any(m => m.Device is not null))
                DeviceTable(md, appenders);
            if (flushes.Count > 0)
                FlushTable(md, flushes);
            var blocks = result.Measurements.Where(m => m.Section == "block kinds").ToList();
            if (blocks.Count > 0)
                BlockTable(md, blocks);
        }
        if (!traced)
            md.AppendLine().AppendLine("Flush counts: not measured (strace not found, or --no-trace).");
        return md.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static void AppendersTable(StringBuilder md, List<Measurement> cells, int count)
    {
        string[] names = cells.Select(c => c.Contender).Distinct().ToArray();
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{count} appender{(count == 1 ? "" : "s")}: records/s, median of the rounds (p50 latency of one append)").AppendLine();
        md.AppendLine("| record | " + string.Join(" | ", names) + " | PmemLog / best peer | PmemLog / bare loop | p50: PmemLog / bare loop |");
        md.AppendLine("| --- |" + string.Concat(names.Select(_ => " ---: |")) + " ---: | ---: | ---: |");
        foreach (int size in cells.Select(c => c.Size).Distinct())
        {
            var rate = names.ToDictionary(n => n, n => Median(cells.Where(c => c.Size == size && c.Contender == n).Select(c => c.RecordsPerSecond)));
            var p50 = names.ToDictionary(n => n, n => Median(cells.Where(c => c.Size == size && c.Contender == n).Select(c => c.P50Micros)));
            double log = rate.GetValueOrDefault(AllContenders.PmemLogName, double.NaN);
            var peers = names.Where(AllContenders.IsPeer).ToArray();
            string best = peers.Length == 0 ? "" : peers.MaxBy(n => rate[n])!;
            double bare = rate.GetValueOrDefault(AllContenders.CopyPersistName, double.NaN);
            double p50Ratio = p50.GetValueOrDefault(AllContenders.PmemLogName, double.NaN) / p50.GetValueOrDefault(AllContenders.CopyPersistName, double.NaN);
            string cellsText = string.Join(" | ", names.Select(n => $"{Rate(rate[n])} ({Micros(p50[n])})"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Bytes(size)} | {cellsText} | {(best == "" ? "-" : $"{log / rate[best]:0.00}x ({best})")} | {log / bare:0.00}x | {p50Ratio:0.00}x |");
        }
    }

    private static void DeviceTable(StringBuilder md, List<Measurement> cells)
    {
        string[] names = cells.Select(c => c.Contender).Distinct().ToArray();
        md.AppendLine().AppendLine("Device round trips per append: cache flushes / write requests the disk completed while the appenders ran, "
            + "over the appends (median of the rounds; /sys/dev/block/.../stat, so other writers on the disk count too)").AppendLine();
        md.AppendLine("| record | appenders | " + string.Join(" | ", names) + " |");
        md.AppendLine("| --- | ---: |" + string.Concat(names.Select(_ => " ---: |")));
        foreach (int size in cells.Select(c => c.Size).Distinct())
            foreach (int count in cells.Select(c => c.Appenders).Distinct())
            {
                string Cell(string name)
                {
                    var runs = cells.Where(c => c.Size == size && c.Appenders == count && c.Contender == name && c.Device is not null && c.Appends > 0).ToList();
                    return runs.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture,
                        $"{Median(runs.Select(r => (double)r.Device!.Value.Flushes / r.Appends)):0.00} / {Median(runs.Select(r => (double)r.Device!.Value.Writes / r.Appends)):0.00}");
                }
                md.AppendLine(CultureInfo.InvariantCulture, $"| {Bytes(size)} | {count} | {string.Join(" | ", names.Select(Cell))} |");
            }
    }

    private static void FlushTable(StringBuilder md, List<FlushCount> flushes)
    {
        md.AppendLine().AppendLine("Flushes per append (strace -f, 64 B records, counted between markers: msync, fsync, fdatasync, sync_file_range, writes to an O_SYNC/O_DSYNC file)").AppendLine();
        md.AppendLine("| contender | 1 appender | 4 appenders | calls per append, 1 appender | files opened O_SYNC/O_DSYNC (open to close, 1 appender) |");
        md.AppendLine("| --- | ---: | ---: | --- | --- |");
        foreach (string name in flushes.Select(f => f.Contender).Distinct())
        {
            FlushCount? one = flushes.FirstOrDefault(f => f.Contender == name && f.Appenders == 1);
            FlushCount? four = flushes.FirstOrDefault(f => f.Contender == name && f.Appenders == 4);
            string syncOpens = string.Join("; ", (one?.Opens ?? []).Where(o => o.Contains("SYNC", StringComparison.Ordinal))
                .GroupBy(o => o).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} (x{g.Count()})"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {one?.FlushesPerAppend:0.##} | {four?.FlushesPerAppend:0.##} | {one?.Summary} | {(syncOpens == "" ? "-" : syncOpens)} |");
        }
    }

    private static void BlockTable(StringBuilder md, List<Measurement> cells)
    {
        string[] names = cells.Select(c => c.Contender).Distinct().ToArray();
        md.AppendLine().AppendLine("Block kinds: one msync per record (bare CopyPersist), the file grown up front with each Preallocation; records/s, median (p50 latency)").AppendLine();
        md.AppendLine("| record | " + string.Join(" | ", names) + " | rec/s ZeroFill / Allocate | rec/s Sparse / Allocate | p50 Allocate / ZeroFill | p50 Sparse / ZeroFill |");
        md.AppendLine("| --- |" + string.Concat(names.Select(_ => " ---: |")) + " ---: | ---: | ---: | ---: |");
        foreach (int size in cells.Select(c => c.Size).Distinct())
        {
            var rate = names.ToDictionary(n => n, n => Median(cells.Where(c => c.Size == size && c.Contender == n).Select(c => c.RecordsPerSecond)));
            var p50 = names.ToDictionary(n => n, n => Median(cells.Where(c => c.Size == size && c.Contender == n).Select(c => c.P50Micros)));
            double Of(string kind) => rate.FirstOrDefault(r => r.Key.Contains(kind, StringComparison.Ordinal)).Value;
            double P50(string kind) => p50.FirstOrDefault(r => r.Key.Contains(kind, StringComparison.Ordinal)).Value;
            string cellsText = string.Join(" | ", names.Select(n => $"{Rate(rate[n])} ({Micros(p50[n])})"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Bytes(size)} | {cellsText} | {Of("ZeroFill") / Of("Allocate"):0.00}x | {Of("Sparse") / Of("Allocate"):0.00}x | {P50("Allocate") / P50("ZeroFill"):0.00}x | {P50("Sparse") / P50("ZeroFill"):0.00}x |");
        }
    }

    private static string Rate(double perSecond) => perSecond switch
    {
        double.NaN => "-",
        >= 1e6 => (perSecond / 1e6).ToString("0.00 'M'", CultureInfo.InvariantCulture),
        >= 1e3 => (perSecond / 1e3).ToString("0.0 'k'", CultureInfo.InvariantCulture),
        _ => perSecond.ToString("0", CultureInfo.InvariantCulture),
    };

    private static string Micros(double us) => us >= 100
        ? us.ToString("0 'us'", CultureInfo.InvariantCulture)
        : us.ToString("0.00 'us'", CultureInfo.InvariantCulture);

    private static string Bytes(long n) => n >= 1 << 20 && n % (1 << 20) == 0 ? $"{n >> 20} MiB" : n >= 1024 && n % 1024 == 0 ? $"{n >> 10} KiB" : $"{n} B";
}
