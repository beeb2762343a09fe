using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace PmdkSharp.Cli.Bench;

/// <summary>The report as console tables, Markdown, CSV and JSON.</summary>
internal static class Report
{
    private static string MetText(bool? met) => met switch { true => "met", false => "MISSED", null => "n/a" };

    public static void ToConsole(BenchReport report)
    {
        foreach (ResultTable t in report.Tables.Where(t => !t.SeriesOnly))
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(t.Title)}[/]")
                .AddColumn(Markup.Escape(t.LabelHeader));
            foreach (string c in t.Columns)
                table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
            foreach (ResultRow r in t.Rows)
                table.AddRow(r.Values.Select(Format.Number).Prepend(r.Label).Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
        }
        if (report.Findings.Count > 0)
        {
            var findings = new Table().Border(TableBorder.Rounded).Title("[bold]targets[/]").AddColumn("target").AddColumn("measured").AddColumn("");
            foreach (Finding f in report.Findings)
                findings.AddRow(Markup.Escape(f.Target), Markup.Escape(f.Measured),
                    f.Met switch { true => "[green]met[/]", false => "[red]MISSED[/]", null => "n/a" });
            AnsiConsole.Write(findings);
        }
        foreach (string s in report.Skipped)
            AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(s)}");
    }

    public static void WriteFiles(BenchReport report, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(report, BenchCommand.Json));
        File.WriteAllText(Path.Combine(dir, "results.csv"), Csv(report));
        File.WriteAllText(Path.Combine(dir, "results.md"), Markdown(report));
    }

    private static string Csv(BenchReport report)
    {
        var sb = new StringBuilder("table,case,metric,value\n");
        foreach (ResultTable t in report.Tables)
            foreach (ResultRow r in t.Rows)
                for (int i = 0; i < t.Columns.Count && i < r.Values.Count; i++)
                    sb.Append(Quote(t.Id)).Append(',').Append(Quote(r.Label)).Append(',').Append(Quote(t.Columns[i])).Append(',')
                        .Append(r.Values[i]?.ToString("R", CultureInfo.InvariantCulture) ?? "").Append('\n');
        return sb.ToString();
    }

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public static string Markdown(BenchReport report)
    {
        var sb = new StringBuilder();
        sb.Append("| machine | |\n| --- | --- |\n");
        foreach ((string k, string v) in report.Machine)
            sb.Append($"| {k} | {Cell(v)} |\n");
        foreach (ResultTable t in report.Tables.Where(t => !t.SeriesOnly))
        {
            sb.Append($"\n#### {t.Title}\n\n");
            if (t.Note.Length > 0)
                sb.Append(t.Note).Append("\n\n");
            sb.Append("| ").Append(Cell(t.LabelHeader)).Append(" | ").Append(string.Join(" | ", t.Columns.Select(Cell))).Append(" |\n");
            sb.Append("| --- |").Append(string.Concat(t.Columns.Select(_ => " ---: |"))).Append('\n');
            foreach (ResultRow r in t.Rows)
                sb.Append("| ").Append(Cell(r.Label)).Append(" | ").Append(string.Join(" | ", r.Values.Select(Format.Number))).Append(" |\n");
        }
        if (report.Findings.Count > 0)
        {
            sb.Append("\n#### Targets\n\n| target | measured | |\n| --- | --- | --- |\n");
            foreach (Finding f in report.Findings)
                sb.Append($"| {Cell(f.Target)} | {Cell(f.Measured)} | {MetText(f.Met)} |\n");
        }
        if (report.Skipped.Count > 0)
        {
            sb.Append('\n');
            foreach (string s in report.Skipped)
                sb.Append("- ").Append(s).Append('\n');
        }
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|");
}
