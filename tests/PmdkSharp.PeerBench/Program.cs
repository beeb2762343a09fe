using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using PmdkSharp.PeerBench.Contenders;

namespace PmdkSharp.PeerBench;

/// <summary>
/// peerbench [--smoke] [--seconds S] [--rounds N] [--sizes 64,256] [--appenders 1,4] [--out DIR] [--disk DIR] [--memory DIR] [--media a,b] [--no-trace] [--blocks-only]
/// Appends the same record bytes with PmemLog and its .NET peers on each medium (a child process per
/// medium), counts each contender's flushes per append under strace (and on a disk the device's own flushes
/// and writes), and writes peers.md and results.json.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            return args.FirstOrDefault() switch
            {
                "child" => Child(args[1], args[2], args[3], ReadSettings(args[4])),
                "trace" => Trace(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args[3] == "disk"),
                _ => Parent(args),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"peerbench: {e.Message}");
            return 2;
        }
    }

    private static int Parent(string[] args)
    {
        Settings s = new();
        string output = Path.GetFullPath(".build/peer-bench"), disk = "/var/tmp", memory = "/dev/shm";
        string[]? only = null;
        bool trace = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": output = Path.GetFullPath(args[++i]); break;
                case "--disk": disk = args[++i]; break;
                case "--memory": memory = args[++i]; break;
                case "--media": only = args[++i].Split(','); break;
                case "--no-trace": trace = false; break;
                default: s = Settings.Parse(args, ref i, s); break;
            }
        }
        Directory.CreateDirectory(output);
        List<Medium> media = Medium.Defaults(Path.Combine(disk, "peerbench"), Path.Combine(memory, "peerbench"))
            .Where(m => (only is null || only.Contains(m.Name)) && (!s.BlocksOnly || m.IsDisk)).ToList();
        string? strace = trace ? FindOnPath("strace") : null;
        if (trace && strace is null)
            Console.Error.WriteLine("peerbench: strace not found; flush counts are left out");
        var report = new Report(s, strace is not null);
        foreach (Medium medium in media)
        {
            Directory.CreateDirectory(medium.Directory);
            string json = Path.Combine(output, $"{medium.Name}.json");
            Console.Error.WriteLine($"== {medium.Description}");
            RunSelf(medium, ["child", medium.Name, medium.Directory, json, JsonSerializer.Serialize(s)], null);
            ChildResult result = JsonSerializer.Deserialize<ChildResult>(File.ReadAllText(json), JsonOptions.Default)!;
            List<FlushCount> flushes = [];
            if (strace is not null)
            {
                string traceFile = Path.Combine(output, $"{medium.Name}.strace");
                Console.Error.WriteLine($"   flush counts: strace of {s.TracedAppends} appends per contender");
                RunSelf(medium, ["trace", medium.Directory, s.TracedAppends.ToString(System.Globalization.CultureInfo.InvariantCulture), medium.IsDisk ? "disk" : "memory"],
                    [strace, "-f", "-qq", "-s", "0", "-e", "trace=" + string.Join(',', FlushTrace.TracedCalls), "-o", traceFile]);
                flushes = FlushTrace.Parse(traceFile, medium.Directory, s.TracedAppends, TracedContenders(medium.IsDisk));
            }
            report.Add(medium, result, flushes);
        }
        File.WriteAllText(Path.Combine(output, "peers.md"), report.Markdown());
        File.WriteAllText(Path.Combine(output, "results.json"), report.Json());
        Console.WriteLine(report.Markdown());
        Console.Error.WriteLine($"peerbench: wrote {Path.Combine(output, "peers.md")} and results.json");
        return 0;
    }

    private static int Child(string mediumName, string directory, string json, Settings s)
    {
        Medium medium = Medium.Defaults("", "").Single(m => m.Name == mediumName) with { Directory = directory };
        var result = new ChildResult { Medium = medium.Name, FileSystem = Medium.FileSystem(directory), LoadBefore = LoadAverage() };
        string probe = Path.Combine(directory, $"probe-{Environment.ProcessId}.bin");
        using (var file = PmemFile.Open(probe, new PmemFileOptions { Mode = FileMode.CreateNew, Length = 1 << 20 }))
        {
            result.IsPersistentMemory = file.IsPersistentMemory;
            result.Backend = file.Backend.ToString();
        }
        File.Delete(probe);
        if (medium.ForcePmem != result.IsPersistentMemory)
            throw new InvalidOperationException($"{medium.Name}: the library says IsPersistentMemory={result.IsPersistentMemory} (PMEM_IS_PMEM_FORCE={Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE")})");
        byte[] source = new byte[s.Sizes.Concat(s.BlockSizes).Max()];
        int seed = Environment.TickCount;
        Console.Error.WriteLine($"   record bytes: Random({seed})");
        new Random(seed).NextBytes(source);
        void Progress(string what) => Console.Error.WriteLine($"   {what}");
        if (!s.BlocksOnly)
            result.Measurements.AddRange(Runner.RunSection("appenders", AllContenders.Appenders, directory, s, s.Sizes, s.Appenders, source, Progress));
        if (medium.IsDisk)
            // A disk takes a few thousand msyncs a second: 16 MiB of records outlasts the run, and ZeroFill writes no more than that up front.
            result.Measurements.AddRange(Runner.RunSection("block kinds", AllContenders.BlockKinds, directory,
                s with { BudgetBytes = Math.Min(s.BudgetBytes, 16L << 20) }, s.BlockSizes, [1], source, Progress));
        result.LoadAfter = LoadAverage();
        File.WriteAllText(json, JsonSerializer.Serialize(result, JsonOptions.Default));
        return 0;
    }

    private static int Trace(string directory, int appends, bool disk)
    {
        FlushTrace.RunChild(directory, appends, TracedContenders(disk), [1, 4]);
        return 0;
    }

    private static IReadOnlyList<Contender> TracedContenders(bool disk) =>
        disk ? [.. AllContenders.Appenders, .. AllContenders.BlockKinds] : AllContenders.Appenders;

    private static Settings ReadSettings(string json) => JsonSerializer.Deserialize<Settings>(json)!;

    /// <summary>Runs this program again (as its apphost, or through dotnet) with the medium's environment, optionally under a wrapper such as strace.</summary>
    private static void RunSelf(Medium medium, string[] args, string[]? wrapper)
    {
        string self = Environment.ProcessPath!;
        var command = new List<string>(wrapper ?? []);
        command.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            command.Add(typeof(Program).Assembly.Location);
        command.AddRange(args);
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (string a in command.Skip(1))
            start.ArgumentList.Add(a);
        start.Environment.Remove("PMEM_IS_PMEM_FORCE");
        if (medium.ForcePmem)
            start.Environment["PMEM_IS_PMEM_FORCE"] = "1";
        using Process process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
