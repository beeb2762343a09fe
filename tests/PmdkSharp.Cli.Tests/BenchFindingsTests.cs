using System.Linq;
using PmdkSharp.Cli.Bench;
using Xunit;

namespace PmdkSharp.Cli.Tests;

/// <summary>The bench's findings judged on made-up tables: what counts as met, which row is named, and n/a instead of silence.</summary>
public class BenchFindingsTests
{
    private static ResultTable GrowthSummary(params double[] quarterMedians)
    {
        var t = new ResultTable { Id = "growth-tmpfs", Columns = ["PmemFile.Grow us", "faults per grow", "MemoryMappedFile re-create us"] };
        for (int i = 0; i < quarterMedians.Length; i++)
            t.Add($"quarter {i + 1}", quarterMedians[i], 0, 50);
        return t;
    }

    [Fact]
    public void GrowthThatGetsMuchCheaperIsNotWithinTwentyPercent()
    {
        Finding f = GrowthBench.GrowthFinding(GrowthSummary(100, 100, 36, 100), "tmpfs");
        Assert.False(f.Met);
        Assert.Contains("quarter 3: 0.36x", f.Measured);
    }

    [Theory]
    [InlineData(new double[] { 100, 119, 81, 100 }, true)]
    [InlineData(new double[] { 100, 100, 100, 121 }, false)]
    [InlineData(new double[] { 100, 79, 100, 100 }, false)]
    [InlineData(new double[] { 100, 100 }, true)]
    public void GrowthIsJudgedBothWaysOverEveryQuarter(double[] medians, bool met)
    {
        Assert.Equal(met, GrowthBench.GrowthFinding(GrowthSummary(medians), "tmpfs").Met);
    }

    [Fact]
    public void GrowthWithOneQuarterIsNotApplicableNotMissing()
    {
        Finding f = GrowthBench.GrowthFinding(GrowthSummary(100), "tmpfs");
        Assert.Null(f.Met);
        Assert.StartsWith("n/a: ", f.Measured);
        Assert.Null(GrowthBench.GrowthFinding(null, "tmpfs").Met);
    }

    private static ResultTable Refault(double growFaults, double pages)
    {
        var t = new ResultTable { Id = "refault-tmpfs", Columns = ["grow/remap ms", "touch old region ms", "old-region faults", "old-region pages"] };
        t.Add("PmemFile.Grow (fixed base)", 1, 1, growFaults, pages);
        t.Add("MemoryMappedFile new view", 1, 9, pages, pages);
        return t;
    }

    [Fact]
    public void RefaultTargetStatesItsTolerance()
    {
        Finding met = GrowthBench.RefaultFinding(Refault(65, 65536), "tmpfs");
        Assert.True(met.Met);
        Assert.Contains("at most 65 faults", met.Target);
        Assert.False(GrowthBench.RefaultFinding(Refault(66, 65536), "tmpfs").Met);
        Assert.Contains("at most 4 faults", GrowthBench.RefaultFinding(Refault(0, 2048), "tmpfs").Target);
        Assert.Null(GrowthBench.RefaultFinding(null, "tmpfs").Met);
    }

    private static ResultTable FirstTouch(params (string Label, double Total, double Ratio)[] rows)
    {
        var t = new ResultTable { Id = "first-touch-tmpfs", Columns = FirstTouchBench.Columns.ToList() };
        foreach (var r in rows)
            t.Add(r.Label, 1, 1, r.Total, 0, 0, 1, r.Ratio);
        return t;
    }

    [Fact]
    public void FirstTouchFindingsNameTheRowTheyJudged()
    {
        ResultTable t = FirstTouch(("None + Allocate", 100, 0.1), ("Populate + Allocate", 90, 0.95), ("Touch + Allocate", 80, 0.5));
        Finding total = FirstTouchBench.TotalFinding(t);
        Assert.True(total.Met);
        Assert.StartsWith("Touch + Allocate: 80", total.Measured);
        Assert.Contains("None + Allocate 100 ms", total.Measured);
        Finding firstPass = FirstTouchBench.FirstPassFinding(t);
        Assert.StartsWith("Populate + Allocate: 95%", firstPass.Measured);
        Assert.True(firstPass.Met);
    }

    [Fact]
    public void FirstTouchWithoutBaselineIsNotApplicable()
    {
        Finding f = FirstTouchBench.TotalFinding(FirstTouch(("Touch + Allocate", 80, 0.5)));
        Assert.Null(f.Met);
        Assert.Contains("None + Allocate not measured", f.Measured);
    }

    [Fact]
    public void CopyPersistWithoutTheCBaselineKeepsEveryFindingAsNotApplicable()
    {
        var table = new ResultTable { Id = "copy-persist", Columns = ["C# CopyPersist ns", "C memcpy_persist ns", "CopyPersist C#/C"] };
        table.Add("64 B", 150, null, null);
        table.Add("4 KiB", 900, null, null);
        var report = new BenchReport();
        CopyPersistBench.AddFindings(report, table);
        Assert.Equal(5, report.Findings.Count); // per-call at >= 4 KiB and at 64 B, access scope, two writers, consumer loop
        Assert.All(report.Findings, f => Assert.Null(f.Met));
        Assert.All(report.Findings, f => Assert.StartsWith("n/a: ", f.Measured));
    }
}
