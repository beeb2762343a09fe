using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// First touch vs prefault and preallocation: the same file written twice after opening it with
/// each mode; the second pass is the ceiling (no faults left).
/// </summary>
internal sealed class FirstTouchBench : IBenchSection
{
    public string Name => "first-touch";

    public int Steps(BenchContext context) => context.InEmulatedPmemChild ? 0 : context.Dirs.Count * Modes.Length;

    public void Run(BenchContext context, IProgressSink progress)
    {
        var tables = context.Dirs.Select(d => Run(d, context.Settings, progress)).ToList();
        context.Report.Tables.AddRange(tables);
        AddFindings(context.Report, tables);
    }

    public static readonly (string Label, PrefaultMode Prefault, Preallocation Preallocation)[] Modes =
    [
        ("None + Allocate", PrefaultMode.None, Preallocation.Allocate),
        ("Populate + Allocate", PrefaultMode.Populate, Preallocation.Allocate),
        ("PopulateWrite + Allocate", PrefaultMode.PopulateWrite, Preallocation.Allocate),
        ("Touch + Allocate", PrefaultMode.Touch, Preallocation.Allocate),
        ("None + Sparse", PrefaultMode.None, Preallocation.Sparse),
        ("None + ZeroFill", PrefaultMode.None, Preallocation.ZeroFill),
        ("PopulateWrite + ZeroFill", PrefaultMode.PopulateWrite, Preallocation.ZeroFill),
    ];

    public static readonly string[] Columns =
    [
        "open+prefault ms", "first pass GB/s", "open+first ms", "faults open", "faults first pass", "second pass GB/s", "first/second",
    ];

    public static ResultTable Run(BenchDir dir, BenchSettings s, IProgressSink progress)
    {
        var table = new ResultTable
        {
            Id = $"first-touch-{dir.Label}",
            Title = $"First touch vs prefault / preallocation, {Format.Bytes(s.FileBytes)} on {dir.Label}",
            Note = "Each mode opens a new file (default backend, fixed size) and writes every byte twice with 1 MiB fills. "
                + "open+prefault includes preallocation; faults are this thread's minor faults.",
            LabelHeader = "prefault + preallocation",
            Columns = Columns.ToList(),
        };
        string path = dir.File("first-touch.bin");
        foreach (var mode in Modes)
        {
            progress.Step($"first touch {dir.Label}: {mode.Label}");
            double?[]? best = null;
            for (int r = 0; r < s.Repeats; r++)
            {
                double?[] values = Measure(path, s.FileBytes, mode.Prefault, mode.Preallocation);
                if (best is null || values[2] < best[2])
                    best = values;
            }
            table.Add(mode.Label, best!);
        }
        return table;
    }

    private static double?[] Measure(string path, long bytes, PrefaultMode prefault, Preallocation preallocation)
    {
        File.Delete(path);
        try
        {
            long f0 = Sys.MinorFaults();
            long t0 = Sys.Timestamp();
            using var file = PmemFile.Open(path, new PmemFileOptions
            {
                Mode = FileMode.CreateNew, Length = bytes, Prefault = prefault, Preallocation = preallocation,
            });
            double open = Sys.SecondsSince(t0);
            long f1 = Sys.MinorFaults();
            double first = WritePass(file, 0x11);
            long f2 = Sys.MinorFaults();
            double second = WritePass(file, 0x22);
            double gb = bytes / 1e9;
            return [open * 1e3, gb / first, (open + first) * 1e3, f1 - f0, f2 - f1, gb / second, second / first];
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Fills the whole file in 1 MiB windows; returns seconds.</summary>
    public static double WritePass(PmemFile file, byte value)
    {
        const int window = 1 << 20;
        long length = file.Length;
        long t0 = Sys.Timestamp();
        for (long offset = 0; offset < length; offset += window)
            file.GetSpan(offset, (int)Math.Min(window, length - offset)).Fill(value);
        return Sys.SecondsSince(t0);
    }

    /// <summary>The mode every prefaulted total is compared with: the default open, no prefault.</summary>
    public const string Baseline = "None + Allocate";

    public static void AddFindings(BenchReport report, IEnumerable<ResultTable> tables)
    {
        foreach (ResultTable t in tables)
        {
            report.Findings.Add(FirstPassFinding(t));
            report.Findings.Add(TotalFinding(t));
        }
    }

    private static List<(string Label, double Value)> Prefaulted(ResultTable t, string column) =>
        t.Rows.Where(r => !r.Label.StartsWith("None", StringComparison.Ordinal))
            .Select(r => (r.Label, t.Get(r.Label, column) ?? double.NaN))
            .Where(r => !double.IsNaN(r.Item2))
            .ToList();

    /// <summary>The prefaulted row whose first pass comes closest to its second pass, named in the result.</summary>
    public static Finding FirstPassFinding(ResultTable t)
    {
        string target = $"{t.Id}: best prefault mode's first pass >= 80% of the second pass";
        var ratios = Prefaulted(t, "first/second");
        if (ratios.Count == 0)
            return Finding.NotComputed(target, "no prefaulted row measured");
        (string label, double ratio) = ratios.OrderByDescending(r => r.Value).First();
        return new Finding { Target = target, Measured = $"{label}: {Format.Percent(ratio)}", Met = ratio >= 0.8 };
    }

    /// <summary>The fastest prefaulted open + first pass against <see cref="Baseline"/>; the row judged is named.</summary>
    public static Finding TotalFinding(ResultTable t)
    {
        string target = $"{t.Id}: fastest prefault mode's open + first pass no slower than {Baseline}'s";
        double baseline = t.Get(Baseline, "open+first ms") ?? double.NaN;
        var totals = Prefaulted(t, "open+first ms");
        if (double.IsNaN(baseline) || totals.Count == 0)
            return Finding.NotComputed(target, double.IsNaN(baseline) ? $"{Baseline} not measured" : "no prefaulted row measured");
        (string label, double total) = totals.OrderBy(r => r.Value).First();
        return new Finding
        {
            Target = target,
            Measured = $"{label}: {Format.Number(total)} ms vs {Baseline} {Format.Number(baseline)} ms ({Format.Ratio(total / baseline)})",
            Met = total <= baseline,
        };
    }
}
