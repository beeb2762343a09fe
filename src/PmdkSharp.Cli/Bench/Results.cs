using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>One measured table: a label column and numeric columns (null where a value does not apply).</summary>
internal sealed class ResultTable
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string Note { get; set; } = "";
    /// <summary>Raw series for plots and CSV only, not shown as a table.</summary>
    public bool SeriesOnly { get; set; }
    public string LabelHeader { get; set; } = "case";
    public List<string> Columns { get; set; } = new();
    public List<ResultRow> Rows { get; set; } = new();

    public ResultRow Add(string label, params double?[] values)
    {
        var row = new ResultRow { Label = label, Values = values.ToList() };
        Rows.Add(row);
        return row;
    }

    public double? Get(string label, string column)
    {
        int c = Columns.IndexOf(column);
        ResultRow? row = Rows.FirstOrDefault(r => r.Label == label);
        return c < 0 || row is null || c >= row.Values.Count ? null : row.Values[c];
    }
}

internal sealed class ResultRow
{
    public string Label { get; set; } = "";
    public List<double?> Values { get; set; } = new();
}

/// <summary>A target, what was measured, and whether it was met (null: not measurable here, shown as n/a).</summary>
internal sealed class Finding
{
    public string Target { get; set; } = "";
    public string Measured { get; set; } = "";
    public bool? Met { get; set; }

    /// <summary>A target this run could not judge: it stays in the report as n/a with the reason.</summary>
    public static Finding NotComputed(string target, string reason) => new() { Target = target, Measured = "n/a: " + reason, Met = null };
}

internal sealed class BenchReport
{
    public Dictionary<string, string> Machine { get; set; } = new();
    public List<ResultTable> Tables { get; set; } = new();
    public List<Finding> Findings { get; set; } = new();
    public List<string> Skipped { get; set; } = new();

    public ResultTable? Table(string id) => Tables.FirstOrDefault(t => t.Id == id);

    public void Merge(BenchReport other)
    {
        Tables.AddRange(other.Tables);
        Findings.AddRange(other.Findings);
        Skipped.AddRange(other.Skipped);
    }
}

internal static class Format
{
    public static string Number(double? value)
    {
        if (value is not double v || double.IsNaN(v))
            return "-";
        double a = Math.Abs(v);
        string f = a >= 1000 ? "N0" : a >= 100 ? "F0" : a >= 10 ? "F1" : a >= 1 ? "F2" : a == 0 ? "F0" : "F3";
        return v.ToString(f, CultureInfo.InvariantCulture);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} B",
    };

    public static string Ratio(double value) => value.ToString(value >= 10 ? "F0" : "F2", CultureInfo.InvariantCulture) + "x";

    public static string Percent(double fraction) => (fraction * 100).ToString("F0", CultureInfo.InvariantCulture) + "%";
}
