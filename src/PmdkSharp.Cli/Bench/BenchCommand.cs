using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// <c>pmemsharp bench</c>: every measurement side by side in one run. The emulated-pmem parts
/// (copy-persist vs C, durable small writes on tmpfs) run in a child process of this tool with
/// PMEM_IS_PMEM_FORCE=1 (<see cref="BenchChildCommand"/>), because libpmem reads that variable once per process.
/// </summary>
internal static class BenchCommand
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        Option<bool> quick = BenchOptions.Quick();
        Option<long?> size = BenchOptions.Size();
        Option<string[]> only = BenchOptions.Only();
        Option<string?> native = BenchOptions.NativeBench();
        var output = new Option<string?>("--out") { Description = "Write results.json, results.csv, results.md and PNG plots to this directory" };
        var dirs = new Option<string[]>("--dir")
        {
            Description = "Directory to create benchmark files in (repeatable); default a temp dir on /dev/shm (emulated pmem) and one on /var/tmp (disk)",
            AllowMultipleArgumentsPerToken = false,
        };
        var fromJson = new Option<string?>("--from-json") { Description = "Skip measuring: redo the report, table and plots of an earlier run's results.json (with --out)" };

        var command = new Command("bench", "Measure prefault, growth, durable small writes, copy-persist vs C and huge pages on this machine.");
        foreach (Option o in new Option[] { quick, size, output, dirs, native, only, fromJson })
            command.Options.Add(o);
        command.SetAction(result =>
        {
            if (result.GetValue(fromJson) is { } earlier)
                return Replot(earlier, result.GetValue(output));
            long? sizeBytes = result.GetValue(size);
            bool isQuick = result.GetValue(quick);
            string[] forwarded = sizeBytes is { } b ? ["--size", b.ToString(System.Globalization.CultureInfo.InvariantCulture)] : isQuick ? ["--quick"] : [];
            return Run(BenchOptions.Settings(sizeBytes, isQuick), BenchSections.Select(result.GetValue(only)), result.GetValue(dirs) ?? [],
                result.GetValue(output), result.GetValue(native) ?? DefaultNativeBench(), forwarded);
        });
        return command;
    }

    private static int Replot(string resultsJson, string? outDir)
    {
        BenchReport report = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(resultsJson), Json)
            ?? throw new InvalidDataException($"{resultsJson}: no results");
        Report.ToConsole(report);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            Report.WriteFiles(report, outDir);
            Plots.Write(report, outDir);
        }
        return 0;
    }

    /// <summary>PMDKSHARP_NATIVE_BENCH, else .build/native/copy_persist in a directory above the tool.</summary>
    internal static string? DefaultNativeBench()
    {
        if (Environment.GetEnvironmentVariable("PMDKSHARP_NATIVE_BENCH") is { Length: > 0 } explicitPath)
            return explicitPath;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ".build", "native", "copy_persist");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static List<BenchDir> PrepareDirs(string[] given)
    {
        string[] roots = given.Length > 0 ? given : ["/dev/shm", "/var/tmp"];
        var result = new List<BenchDir>();
        foreach (string root in roots)
        {
            if (!Directory.Exists(root))
                throw new DirectoryNotFoundException($"--dir {root}: no such directory");
            string path = Path.Combine(root, $"pmemsharp-bench-{Environment.ProcessId}");
            Directory.CreateDirectory(path);
            MountInfo? mount = Sys.MountOf(path);
            string label = mount is null ? "dir" : mount.DaxOption is not null ? $"{mount.Type}-dax" : mount.Type;
            if (result.Any(d => d.Label == label))
                label = $"{label}{result.Count(d => d.Label.StartsWith(label, StringComparison.Ordinal)) + 1}";
            result.Add(new BenchDir(path, label, mount, Temporary: true));
        }
        return result;
    }

    private static int Run(BenchSettings s, List<IBenchSection> sections, string[] givenDirs, string? outDir, string? nativeBench, string[] forwarded)
    {
        List<BenchDir> dirs = PrepareDirs(givenDirs);
        var context = new BenchContext { Settings = s, Dirs = dirs, NativeBench = nativeBench };
        BenchReport report = context.Report;
        report.Machine = MachineInfo(s, dirs);
        if (PmemRuntime.GetDiagnostics().PmemForced == true)
            report.Skipped.Add("PMEM_IS_PMEM_FORCE=1 is set for the whole run: every mapping here counts as pmem, disk results included");
        BenchContext? childContext = context.ForChild();
        List<IBenchSection> inChild = childContext is null ? [] : sections.Where(x => x.Steps(childContext) > 0).ToList();
        bool childDone = inChild.Count == 0;
        int failures = 0;
        try
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    foreach (IBenchSection section in sections)
                    {
                        // The child runs where its first section would: the report keeps the sections' order.
                        if (!childDone && inChild.Contains(section))
                        {
                            childDone = true;
                            failures += EmulatedPmemChild.Run(ctx, childContext!, inChild, forwarded, report);
                        }
                        failures += RunSection(ctx, section, context);
                    }
                });
        }
        finally
        {
            foreach (BenchDir d in dirs.Where(d => d.Temporary))
                try
                {
                    Directory.Delete(d.Path, recursive: true);
                }
                catch (IOException) { }
        }

        Report.ToConsole(report);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            Report.WriteFiles(report, outDir);
            Plots.Write(report, outDir);
            AnsiConsole.MarkupLine($"results written to [bold]{Markup.Escape(Path.GetFullPath(outDir))}[/]");
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Runs one section's part in this process under its own progress bar; a failure becomes a note. Returns the failures (0 or 1).</summary>
    private static int RunSection(ProgressContext ctx, IBenchSection section, BenchContext context)
    {
        int steps = section.Steps(context);
        if (steps == 0)
            return 0;
        ProgressTask task = ctx.AddTask(Markup.Escape(section.Name), maxValue: steps);
        int failures = 0;
        try
        {
            section.Run(context, new TaskProgress(task, section.Name));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failures++;
            context.Report.Skipped.Add($"{section.Name}: failed: {e.GetType().Name}: {e.Message}");
        }
        task.Description = Markup.Escape(section.Name);
        task.Value = task.MaxValue;
        task.StopTask();
        return failures;
    }

    private sealed class TaskProgress(ProgressTask task, string name) : IProgressSink
    {
        public void Step(string what)
        {
            if (task.Value > 0 || task.Description != Markup.Escape(name))
                task.Increment(1);
            task.Description = Markup.Escape(what);
        }
    }

    private static Dictionary<string, string> MachineInfo(BenchSettings s, List<BenchDir> dirs)
    {
        PmemDiagnostics d = PmemRuntime.GetDiagnostics();
        HashSet<string> flags = Sys.CpuFlags();
        var info = new Dictionary<string, string>
        {
            ["date (UTC)"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm"),
            ["run"] = s.Name,
            ["CPU"] = $"{Sys.CpuModel()}, {Environment.ProcessorCount} logical cores, flush: "
                + string.Join(" ", new[] { "clwb", "clflushopt", "clflush" }.Where(flags.Contains)),
            ["memory"] = Format.Bytes(Sys.MemTotalBytes() >> 20 << 20),
            ["kernel"] = Sys.KernelRelease(),
            [".NET"] = RuntimeInformation.FrameworkDescription,
            ["libpmem"] = $"{d.LibpmemPath ?? "not loaded"} (API {d.LibpmemVersion ?? "n/a"}), default backend {d.Backend}",
            ["THP"] = $"enabled {Sys.SysfsChoice("/sys/kernel/mm/transparent_hugepage/enabled")}, shmem_enabled {Sys.SysfsChoice("/sys/kernel/mm/transparent_hugepage/shmem_enabled")}",
        };
        foreach (BenchDir dir in dirs)
            info[$"dir {dir.Label}"] = $"{Path.GetDirectoryName(dir.Path)}: {dir.Mount?.Type} on {dir.Mount?.Device}{(dir.Mount?.DaxOption is { } dax ? ", " + dax : "")}";
        return info;
    }
}
