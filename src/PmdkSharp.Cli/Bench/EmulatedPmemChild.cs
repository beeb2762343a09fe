using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Starts this tool again as <c>pmemsharp bench-child</c> with PMEM_IS_PMEM_FORCE=1 and merges what
/// it measured. The child prints one <c>@step WHAT</c> line per progress step and writes its
/// report as JSON to the file named by <c>--out</c>.
/// </summary>
internal static class EmulatedPmemChild
{
    public const string StepPrefix = "@step ";

    /// <summary>Runs <paramref name="sections"/> in the child under one progress bar; returns the failures (0 or 1).</summary>
    public static int Run(ProgressContext ctx, BenchContext child, List<IBenchSection> sections, string[] forwarded, BenchReport report)
    {
        ProgressTask task = ctx.AddTask("emulated pmem (child process, PMEM_IS_PMEM_FORCE=1)", maxValue: sections.Sum(s => s.Steps(child)));
        int failures = 0;
        try
        {
            report.Merge(Start(child, sections, forwarded, task));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or JsonException)
        {
            failures++;
            report.Skipped.Add($"emulated pmem child: {e.Message}");
            // Its findings could not be computed: they show as n/a rather than vanish.
            report.Findings.Add(Finding.NotComputed($"{string.Join(", ", sections.Select(s => s.Name))} on emulated pmem",
                "the emulated-pmem child process failed (see the notes)"));
        }
        task.Value = task.MaxValue;
        task.StopTask();
        return failures;
    }

    /// <summary>The child's command line after the program (and, under <c>dotnet</c>, the assembly).</summary>
    public static List<string> Arguments(BenchDir memory, string resultFile, IEnumerable<IBenchSection> sections, string[] forwarded, string? nativeBench)
    {
        var args = new List<string>
        {
            BenchChildCommand.Name, "--dir", memory.Path, "--label", memory.Label, "--out", resultFile,
            "--only", string.Join(',', sections.Select(s => s.Name)),
        };
        args.AddRange(forwarded);
        if (nativeBench is not null)
            args.AddRange(["--native-bench", nativeBench]);
        return args;
    }

    private static BenchReport Start(BenchContext child, List<IBenchSection> sections, string[] forwarded, ProgressTask task)
    {
        BenchDir memory = child.Dirs[0];
        string resultFile = Path.Combine(memory.Path, "child-results.json");
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Under `dotnet pmemsharp.dll` the process is dotnet itself: pass the assembly first.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(typeof(EmulatedPmemChild).Assembly.Location);
        foreach (string a in Arguments(memory, resultFile, sections, forwarded, child.NativeBench))
            info.ArgumentList.Add(a);
        info.Environment["PMEM_IS_PMEM_FORCE"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the child process");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (errors)
                    errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        bool first = true;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (!line.StartsWith(StepPrefix, StringComparison.Ordinal))
                continue;
            if (!first)
                task.Increment(1);
            first = false;
            task.Description = Markup.Escape("pmem child: " + line[StepPrefix.Length..]);
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(resultFile))
            throw new InvalidOperationException($"the emulated-pmem child exited with {process.ExitCode}: {errors.ToString().Trim()}");
        return JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(resultFile), BenchCommand.Json)
            ?? throw new InvalidOperationException("the emulated-pmem child wrote no results");
    }
}
