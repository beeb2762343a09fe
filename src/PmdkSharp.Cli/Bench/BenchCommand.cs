using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// <c>pmemsharp bench</c>: every measurement side by side in one run. The emulated-pmem sections
/// (copy-persist vs C, durable small writes on tmpfs) run in a child process of this tool with
/// PMEM_IS_PMEM_FORCE=1, because libpmem reads that variable once per process.
/// </summary>
internal static class BenchCommand
{
    public static readonly string[] Sections = ["first-touch", "growth", "small-writes", "copy-persist", "huge-pages", "range-control"];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "About a minute on 2 cores: 256 MiB files, growth to 2 GiB, short timings" };
        var size = new Option<string?>("--size") { Description = "Scale everything from this file size (e.g. 16M) for a smoke run; overrides --quick" };
        var output = new Option<string?>("--out") { Description = "Write results.json, results.csv, results.md and PNG plots to this directory" };
        var dirs = new Option<string[]>("--dir")
        {
            Description = "Directory to create benchmark files in (repeatable); default a temp dir on /dev/shm (emulated pmem) and one on /var/tmp (disk)",
            AllowMultipleArgumentsPerToken = false,
        };
        var native = new Option<string?>("--native-bench") { Description = "The C baseline (native/bench/copy_persist.c, built by ./build.sh); found under .build/native by default" };
        var only = new Option<string?>("--only") { Description = $"Comma-separated sections to run: {string.Join(", ", Sections)}" };
        var childOut = new Option<string?>("--child-out") { Hidden = true };
        var childLabel = new Option<string?>("--child-label") { Hidden = true };
        var fromJson = new Option<string?>("--from-json") { Description = "Skip measuring: redo the report, table and plots of an earlier run's results.json (with --out)" };

        var command = new Command("bench", "Measure prefault, growth, durable small writes, copy-persist vs C and huge pages on this machine.");
        foreach (Option o in new Option[] { quick, size, output, dirs, native, only, childOut, childLabel, fromJson })
            command.Options.Add(o);
        command.SetAction(result =>
        {
            if (result.GetValue(fromJson) is { } earlier)
                return Replot(earlier, result.GetValue(output));
            BenchSettings settings = result.GetValue(size) is { } text ? BenchSettings.Scaled(BenchSettings.ParseSize(text))
                : result.GetValue(quick) ? BenchSettings.Quick : BenchSettings.Full;
            var sections = (result.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? Sections).ToHashSet();
            if (sections.Except(Sections).FirstOrDefault() is { } unknown)
            {
                Console.Error.WriteLine($"unknown section '{unknown}'; sections are {string.Join(", ", Sections)}");
                return 2;
            }
            string? nativeBench = result.GetValue(native) ?? Environment.GetEnvironmentVariable("PMDKSHARP_NATIVE_BENCH") ?? FindNativeBench();
            if (result.GetValue(childOut) is { } childFile)
                return RunChild(result.GetValue(dirs)![0], result.GetValue(childLabel) ?? "tmpfs", settings, sections, nativeBench, childFile);
            return RunParent(settings, sections, result.GetValue(dirs) ?? [], result.GetValue(output), nativeBench,
                ForwardedArgs(result.GetValue(size), result.GetValue(quick)));
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

    private static string[] ForwardedArgs(string? size, bool quick) =>
        size is not null ? ["--size", size] : quick ? ["--quick"] : [];

    private static string? FindNativeBench()
    {
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

    private static int RunParent(BenchSettings s, HashSet<string> sections, string[] givenDirs, string? outDir, string? nativeBench, string[] forwarded)
    {
        List<BenchDir> dirs = PrepareDirs(givenDirs);
        BenchDir? memory = dirs.FirstOrDefault(d => d.IsMemory);
        var report = new BenchReport { Machine = MachineInfo(s, dirs) };
        if (PmemRuntime.GetDiagnostics().PmemForced == true)
            report.Skipped.Add("PMEM_IS_PMEM_FORCE=1 is set for the whole run: every mapping here counts as pmem, disk results included");
        int failures = 0;
        try
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    void Section(string name, int steps, Action<IProgressSink> body)
                    {
                        if (!sections.Contains(name) || steps == 0)
                            return;
                        ProgressTask task = ctx.AddTask(Markup.Escape(name), maxValue: steps);
                        var sink = new TaskProgress(task, name);
                        try
                        {
                            body(sink);
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            failures++;
                            report.Skipped.Add($"{name}: failed: {e.GetType().Name}: {e.Message}");
                        }
                        task.Description = Markup.Escape(name);
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }

                    Section("first-touch", FirstTouchBench.Steps(dirs.Count), sink =>
                    {
                        var tables = dirs.Select(d => FirstTouchBench.Run(d, s, sink)).ToList();
                        report.Tables.AddRange(tables);
                        FirstTouchBench.AddFindings(report, tables);
                    });
                    Section("growth", GrowthBench.Steps(dirs.Count), sink =>
                    {
                        foreach (BenchDir d in dirs)
                        {
                            report.Tables.AddRange(GrowthBench.Run(d, s, sink));
                            GrowthBench.AddFindings(report, d);
                        }
                    });
                    bool childWanted = memory is not null && (sections.Contains("copy-persist") || sections.Contains("small-writes"));
                    if (childWanted)
                    {
                        int steps = (sections.Contains("copy-persist") ? CopyPersistBench.Steps(s) : 0)
                            + (sections.Contains("small-writes") ? SmallWritesBench.Steps(1) : 0);
                        ProgressTask task = ctx.AddTask("emulated pmem (child process, PMEM_IS_PMEM_FORCE=1)", maxValue: steps);
                        try
                        {
                            report.Merge(RunChildProcess(memory!, s, sections, nativeBench, forwarded, task));
                        }
                        catch (Exception e) when (e is InvalidOperationException or IOException or JsonException)
                        {
                            failures++;
                            report.Skipped.Add($"emulated pmem child: {e.Message}");
                        }
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                    else if (memory is null)
                        report.Skipped.Add("copy-persist and emulated-pmem small writes: no tmpfs or DAX directory among --dir");
                    var disks = dirs.Where(d => !d.IsMemory).ToList();
                    Section("small-writes", SmallWritesBench.Steps(disks.Count), sink =>
                    {
                        foreach (BenchDir d in disks)
                            report.Tables.Add(SmallWritesBench.Run(d, $"{d.Label} ({d.Mount?.MountPoint}), msync path", s, sink));
                    });
                    Section("huge-pages", HugePagesBench.Steps, sink =>
                    {
                        if (HugePagesBench.Run(memory, s, sink, report.Skipped) is { } table)
                            report.Tables.Add(table);
                    });
                    Section("range-control", RangeControlBench.Steps(disks.Count), sink =>
                    {
                        foreach (BenchDir d in disks)
                            RangeControlBench.Run(report, d, s, sink);
                    });
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

    private sealed class TaskProgress(ProgressTask task, string name) : IProgressSink
    {
        public void Step(string what)
        {
            if (task.Value > 0 || task.Description != Markup.Escape(name))
                task.Increment(1);
            task.Description = Markup.Escape(what);
        }
    }

    private static BenchReport RunChildProcess(BenchDir memory, BenchSettings s, HashSet<string> sections, string? nativeBench,
        string[] forwarded, ProgressTask task)
    {
        string resultFile = Path.Combine(memory.Path, "child-results.json");
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Under `dotnet pmemsharp.dll` the process is dotnet itself: pass the assembly first.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        foreach (string a in new[] { "bench", "--dir", memory.Path, "--child-out", resultFile, "--child-label", memory.Label,
                     "--only", string.Join(',', sections) })
            info.ArgumentList.Add(a);
        foreach (string a in forwarded)
            info.ArgumentList.Add(a);
        if (nativeBench is not null)
        {
            info.ArgumentList.Add("--native-bench");
            info.ArgumentList.Add(nativeBench);
        }
        info.Environment["PMEM_IS_PMEM_FORCE"] = "1";
        using var child = Process.Start(info) ?? throw new InvalidOperationException("could not start the child process");
        var errors = new System.Text.StringBuilder();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (errors)
                    errors.AppendLine(e.Data);
        };
        child.BeginErrorReadLine();
        bool first = true;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (!line.StartsWith("@step ", StringComparison.Ordinal))
                continue;
            if (!first)
                task.Increment(1);
            first = false;
            task.Description = Markup.Escape("pmem child: " + line[6..]);
        }
        child.WaitForExit();
        if (child.ExitCode != 0 || !File.Exists(resultFile))
            throw new InvalidOperationException($"the emulated-pmem child exited with {child.ExitCode}: {errors.ToString().Trim()}");
        return JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(resultFile), Json)
            ?? throw new InvalidOperationException("the emulated-pmem child wrote no results");
    }

    private sealed class StdoutProgress : IProgressSink
    {
        public void Step(string what) => Console.WriteLine("@step " + what);
    }

    private static int RunChild(string dirPath, string label, BenchSettings s, HashSet<string> sections, string? nativeBench, string outFile)
    {
        var dir = new BenchDir(dirPath, label, Sys.MountOf(dirPath), Temporary: false);
        var report = new BenchReport();
        var progress = new StdoutProgress();
        if (sections.Contains("copy-persist"))
        {
            ResultTable table = CopyPersistBench.Run(dir, s, nativeBench, progress, report.Skipped);
            report.Tables.Add(table);
            CopyPersistBench.AddFindings(report, table);
        }
        if (sections.Contains("small-writes"))
        {
            ResultTable table = SmallWritesBench.Run(dir, $"emulated pmem ({label} {dir.Mount?.MountPoint}, PMEM_IS_PMEM_FORCE=1)", s, progress);
            report.Tables.Add(table);
            SmallWritesBench.AddFindings(report, table, emulatedPmem: true);
        }
        File.WriteAllText(outFile, JsonSerializer.Serialize(report, Json));
        return 0;
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
