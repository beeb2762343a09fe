using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using PmdkSharp.PeerBench.Contenders;

namespace PmdkSharp.PeerBench;

/// <summary>What one contender's appends cost in system calls, counted by strace between two markers.</summary>
internal sealed record FlushCount(string Contender, int Appenders, int Appends, Dictionary<string, int> Calls, List<string> Opens)
{
    /// <summary>Calls that make data durable: msync, fsync, fdatasync, sync_file_range, and writes to a file opened O_SYNC or O_DSYNC.</summary>
    public double FlushesPerAppend =>
        (double)Calls.Where(c => c.Key is "msync" or "fsync" or "fdatasync" or "sync_file_range" || c.Key.EndsWith("(O_SYNC)", StringComparison.Ordinal)).Sum(c => c.Value) / Appends;

    public string Summary => Calls.Count == 0
        ? "no system call (cache-line flush)"
        : string.Join(" + ", Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{(double)c.Value / Appends:0.##} {c.Key}"));
}

/// <summary>
/// The traced child (<c>peerbench trace DIR N</c>, run under strace by the parent) and the parser of its trace.
/// The child marks each contender's appends with an open of a path that cannot exist, so the parser
/// counts exactly the calls those appends made, setup and teardown left out.
/// </summary>
internal static partial class FlushTrace
{
    private const string MarkerDirectory = "/nonexistent-peerbench-marker/";

    public static readonly string[] TracedCalls =
        ["openat", "close", "msync", "fsync", "fdatasync", "sync_file_range", "write", "pwrite64", "writev", "pwritev", "pwritev2", "io_submit", "io_uring_enter"];

    public static void RunChild(string root, int appends, IReadOnlyList<Contender> contenders, int[] appenderCounts)
    {
        byte[] record = new byte[64];
        new Random(1).NextBytes(record);
        for (int i = 0; i < contenders.Count; i++)
            foreach (int appenders in appenderCounts)
            {
                string dir = Path.Combine(root, $"trace-{Environment.ProcessId}-{i}-{appenders}");
                Directory.CreateDirectory(dir);
                try
                {
                    Mark($"OPEN-{i}-{appenders}");
                    using (IAppender appender = contenders[i].Open(dir, 2L * (appends + 64) * record.Length + (1 << 20)))
                    {
                        for (int w = 0; w < 8; w++)
                            appender.Append(record);
                        Mark($"BEGIN-{i}-{appenders}");
                        int each = appends / appenders;
                        var threads = Enumerable.Range(0, appenders).Select(_ => new Thread(() =>
                        {
                            for (int n = 0; n < each; n++)
                                appender.Append(record);
                        })).ToList();
                        threads.ForEach(t => t.Start());
                        threads.ForEach(t => t.Join());
                        Mark($"END-{i}-{appenders}");
                    }
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
    }

    private static void Mark(string what)
    {
        try
        {
            File.OpenHandle(MarkerDirectory + what).Dispose();
        }
        catch (IOException)
        {
            // the point: an openat strace records, failing with ENOENT
        }
    }

    /// <summary>Counts, per marked segment of the strace output, the calls on files under <paramref name="root"/> and every flush call.</summary>
    public static List<FlushCount> Parse(string traceFile, string root, int appends, IReadOnlyList<Contender> contenders)
    {
        var results = new List<FlushCount>();
        var files = new Dictionary<int, (string Path, bool Sync)>();
        var pendingOpen = new Dictionary<string, (string Path, string Flags)>();
        Dictionary<string, int>? counting = null;
        List<string> opens = [];
        foreach (string raw in File.ReadLines(traceFile))
        {
            Match line = TraceLine().Match(raw);
            if (!line.Success)
                continue;
            string pid = line.Groups[1].Value, call = line.Groups[2].Value, rest = line.Groups[3].Value;
            bool resumed = raw.Contains("resumed>", StringComparison.Ordinal);
            if (call == "openat")
            {
                if (!resumed)
                {
                    Match open = OpenArgs().Match(rest);
                    if (!open.Success)
                        continue;
                    string path = open.Groups[1].Value, flags = open.Groups[2].Value;
                    if (path.StartsWith(MarkerDirectory, StringComparison.Ordinal))
                    {
                        string[] m = path[MarkerDirectory.Length..].Split('-');
                        string name = contenders[int.Parse(m[1], CultureInfo.InvariantCulture)].Name;
                        int appenders = int.Parse(m[2], CultureInfo.InvariantCulture);
                        if (m[0] == "OPEN")
                            opens = [];
                        else if (m[0] == "BEGIN")
                            counting = [];
                        else if (m[0] == "END" && counting is not null)
                        {
                            results.Add(new FlushCount(name, appenders, appends / appenders * appenders, counting, opens));
                            counting = null;
                        }
                        continue;
                    }
                    pendingOpen[pid] = (path, flags);
                    if (raw.Contains("<unfinished", StringComparison.Ordinal))
                        continue;
                }
                if (pendingOpen.Remove(pid, out var opened) && ResultValue().Match(raw) is { Success: true } r
                    && int.TryParse(r.Groups[1].Value, CultureInfo.InvariantCulture, out int fd) && fd >= 0)
                {
                    bool sync = opened.Flags.Contains("O_SYNC", StringComparison.Ordinal) || opened.Flags.Contains("O_DSYNC", StringComparison.Ordinal);
                    files[fd] = (opened.Path, sync);
                    if (opened.Path.StartsWith(root, StringComparison.Ordinal))
                    {
                        opens.Add($"{Digits().Replace(Path.GetFileName(opened.Path), "N")} {opened.Flags}");
                        if (counting is not null)
                            counting["openat"] = counting.GetValueOrDefault("openat") + 1;
                    }
                }
                continue;
            }
            if (call == "close")
            {
                // The number may come back for a pipe or an eventfd (not traced): forget what it was.
                if (!resumed && int.TryParse(rest.Split(')')[0], CultureInfo.InvariantCulture, out int closed))
                    files.Remove(closed);
                continue;
            }
            if (counting is null || resumed)
                continue;
            string key = call;
            if (call.Contains("write", StringComparison.Ordinal) || call == "fsync" || call == "fdatasync" || call == "sync_file_range")
            {
                if (!int.TryParse(rest.Split(',', ')')[0], CultureInfo.InvariantCulture, out int fd)
                    || !files.TryGetValue(fd, out var file) || !file.Path.StartsWith(root, StringComparison.Ordinal))
                    continue; // the runtime's own writes (a pipe, the console), not the contender's file
                if (call.Contains("write", StringComparison.Ordinal) && file.Sync)
                    key = call + "(O_SYNC)";
            }
            counting[key] = counting.GetValueOrDefault(key) + 1;
        }
        return results;
    }

    [GeneratedRegex(@"^(?:\[pid\s+)?(\d+)\]?\s+(?:<\.\.\.\s+)?([a-z_0-9]+)(?:\(| resumed>)(.*)$")]
    private static partial Regex TraceLine();

    [GeneratedRegex(@"^AT_FDCWD, ""([^""]*)"", ([A-Z_|]+)")]
    private static partial Regex OpenArgs();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

    [GeneratedRegex(@"\)\s+=\s+(-?\d+)")]
    private static partial Regex ResultValue();
}
