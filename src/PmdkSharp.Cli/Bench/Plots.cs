using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace PmdkSharp.Cli.Bench;

/// <summary>PNG plots of the report's tables (ScottPlot).</summary>
internal static class Plots
{
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    public static void Write(BenchReport report, string dir)
    {
        var firstTouch = report.Tables.Where(t => t.Id.StartsWith("first-touch-", StringComparison.Ordinal)).ToList();
        if (firstTouch.Count > 0)
        {
            GroupedBars(Path.Combine(dir, "first-touch.png"), "Open + first write pass (lower is better)", "ms",
                firstTouch[0].Rows.Select(r => r.Label).ToArray(),
                firstTouch.Select(t => (t.Id["first-touch-".Length..], Column(t, "open+first ms"))).ToList());
            GroupedBars(Path.Combine(dir, "first-touch-ratio.png"), "First write pass as a fraction of the second pass", "first / second",
                firstTouch[0].Rows.Select(r => r.Label).ToArray(),
                firstTouch.Select(t => (t.Id["first-touch-".Length..], Column(t, "first/second"))).ToList(), line: 0.8);
        }

        var growth = report.Tables.Where(t => t.Id.StartsWith("growth-series-", StringComparison.Ordinal)).ToList();
        if (growth.Count > 0)
        {
            var plot = new Plot();
            int color = 0;
            foreach (ResultTable t in growth)
            {
                string label = t.Id["growth-series-".Length..];
                double[] x = Column(t, "mapped MiB").Select(v => v / 1024).ToArray();
                foreach ((string column, string name) in new[] { ("PmemFile.Grow us", "PmemFile.Grow"), ("MemoryMappedFile re-create us", "MemoryMappedFile re-create") })
                {
                    var scatter = plot.Add.Scatter(x, Column(t, column));
                    scatter.LegendText = $"{name}, {label}";
                    scatter.Color = Palette.GetColor(color++);
                }
            }
            plot.Title("Cost of one grow vs mapped size");
            plot.XLabel("mapped before the grow (GiB)");
            plot.YLabel("microseconds per grow");
            plot.Axes.Margins(bottom: 0);
            plot.ShowLegend(Alignment.UpperLeft);
            plot.SavePng(Path.Combine(dir, "growth.png"), 900, 500);
        }

        var refault = report.Tables.Where(t => t.Id.StartsWith("refault-", StringComparison.Ordinal)).ToList();
        if (refault.Count > 0)
            GroupedBars(Path.Combine(dir, "refault.png"), "Page faults touching the old region after growing", "minor faults",
                refault[0].Rows.Select(r => r.Label).ToArray(),
                refault.Select(t => (t.Id["refault-".Length..], Column(t, "old-region faults"))).ToList());

        foreach (ResultTable t in report.Tables.Where(t => t.Id.StartsWith("small-writes-", StringComparison.Ordinal)))
        {
            var series = t.Columns.Where(c => c.EndsWith("rec/s", StringComparison.Ordinal))
                .Select(c => (c.Replace(" rec/s", " records"), Column(t, c).Select(v => Math.Log10(Math.Max(v, 1))).ToArray())).ToList();
            GroupedBars(Path.Combine(dir, $"{t.Id}.png"), t.Title, "durable records per second", t.Rows.Select(r => r.Label).ToArray(),
                series, log: true);
        }

        if (report.Table("copy-persist") is { } copy)
        {
            double[] sizes = copy.Rows.Select(r => Math.Log2(ByteSize.Parse(r.Label))).ToArray();
            string[] labels = copy.Rows.Select(r => r.Label).ToArray();
            var plot = new Plot();
            var cs = plot.Add.Scatter(sizes, Column(copy, "C# GB/s"));
            cs.LegendText = "PmdkSharp CopyPersist";
            var c = plot.Add.Scatter(sizes, Column(copy, "C GB/s"));
            c.LegendText = "C pmem_memcpy_persist";
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(sizes, labels);
            plot.Title("Copy-persist bandwidth (emulated pmem)");
            plot.XLabel("bytes per call");
            plot.YLabel("GB/s");
            plot.ShowLegend(Alignment.UpperLeft);
            plot.SavePng(Path.Combine(dir, "copy-persist.png"), 900, 500);

            var ratio = new Plot();
            var copyRatio = ratio.Add.Scatter(sizes, Column(copy, "CopyPersist C#/C"));
            copyRatio.LegendText = "CopyPersist C#/C";
            var persistRatio = ratio.Add.Scatter(sizes, Column(copy, "Persist C#/C"));
            persistRatio.LegendText = "Persist C#/C";
            ratio.Add.HorizontalLine(1.05).LinePattern = LinePattern.Dashed;
            ratio.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(sizes, labels);
            ratio.Title("Time per call, PmdkSharp / C (1.0 = equal, dashed = 5% target)");
            ratio.XLabel("bytes per call");
            ratio.YLabel("C# time / C time");
            ratio.ShowLegend(Alignment.UpperRight);
            ratio.SavePng(Path.Combine(dir, "copy-persist-ratio.png"), 900, 500);
        }

        if (report.Table("huge-pages") is { } huge)
            GroupedBars(Path.Combine(dir, "huge-pages.png"), huge.Title, "first write pass GB/s", huge.Rows.Select(r => r.Label).ToArray(),
                [("first pass", Column(huge, "first pass GB/s")), ("second pass", Column(huge, "second pass GB/s"))]);
    }

    private static double[] Column(ResultTable t, string column)
    {
        int i = t.Columns.IndexOf(column);
        return t.Rows.Select(r => i >= 0 && i < r.Values.Count && r.Values[i] is double v ? v : double.NaN).ToArray();
    }

    private static void GroupedBars(string file, string title, string yLabel, string[] categories, List<(string Name, double[] Values)> series,
        bool log = false, double? line = null)
    {
        var plot = new Plot();
        double width = 0.8 / Math.Max(1, series.Count);
        for (int s = 0; s < series.Count; s++)
        {
            Color color = Palette.GetColor(s);
            var bars = new List<Bar>();
            for (int c = 0; c < categories.Length && c < series[s].Values.Length; c++)
                if (!double.IsNaN(series[s].Values[c]))
                    bars.Add(new Bar { Position = c + (s - (series.Count - 1) / 2.0) * width, Value = series[s].Values[c], Size = width * 0.95, FillColor = color });
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }
        if (line is double y)
            plot.Add.HorizontalLine(y).LinePattern = LinePattern.Dashed;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, categories.Length).Select(i => (double)i).ToArray(), categories);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 20 + 6.5f * categories.Max(c => c.Length);
        if (log)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                LabelFormatter = v => Math.Pow(10, v).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            };
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(file, 1000, 700);
    }
}
