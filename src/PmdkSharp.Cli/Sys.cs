using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PmdkSharp.Cli;

/// <summary>What the kernel says about this process and machine: faults, mounts, CPU flags.</summary>
internal static class Sys
{
    /// <summary>Minor page faults of the calling thread so far (/proc/thread-self/stat, field 10).</summary>
    public static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        // The command name may contain spaces and parentheses: fields start after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>The mount holding <paramref name="path"/>: the longest mount point that prefixes its real path.</summary>
    public static MountInfo? MountOf(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            string? resolved = new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            if (resolved is not null)
                full = resolved;
        }
        catch (IOException) { }
        MountInfo? best = null;
        foreach (string line in File.ReadLines("/proc/mounts"))
        {
            string[] f = line.Split(' ');
            if (f.Length < 4)
                continue;
            string point = Unescape(f[1]);
            bool inside = full == point || full.StartsWith(point.EndsWith('/') ? point : point + "/", StringComparison.Ordinal);
            if (inside && (best is null || point.Length >= best.MountPoint.Length))
                best = new MountInfo(Unescape(f[0]), point, f[2], f[3]);
        }
        return best;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\134", "\\");

    /// <summary>
    /// Bytes of [start, end) backed by huge page table entries (/proc/self/smaps), or null where the kernel
    /// does not say: for mappings that are not a PmemFile's (whose own GetHugePageBytes answers).
    /// </summary>
    public static long? HugePageBytes(nuint start, nuint end)
    {
        try
        {
            long total = 0;
            bool inside = false;
            foreach (string line in File.ReadLines("/proc/self/smaps"))
            {
                // A VMA starts with "from-to perms ..."; its fields ("AnonHugePages:   2048 kB") follow.
                int dash = line.IndexOf('-'), space = line.IndexOf(' ');
                if (dash > 0 && space > dash
                    && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong from)
                    && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong to))
                {
                    inside = from < end && to > start;
                    continue;
                }
                if (inside && (line.StartsWith("AnonHugePages:", StringComparison.Ordinal) || line.StartsWith("ShmemPmdMapped:", StringComparison.Ordinal)
                    || line.StartsWith("FilePmdMapped:", StringComparison.Ordinal)))
                    total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            return total;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The CPU flags of the first processor in /proc/cpuinfo.</summary>
    public static HashSet<string> CpuFlags()
    {
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("flags", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return new HashSet<string>();
    }

    public static string CpuModel()
    {
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Trim();
        return "unknown";
    }

    /// <summary>The selected value of a sysfs choice file ("always [madvise] never" gives "madvise").</summary>
    public static string SysfsChoice(string path)
    {
        try
        {
            string text = File.ReadAllText(path).Trim();
            int open = text.IndexOf('['), close = text.IndexOf(']');
            return open >= 0 && close > open ? text[(open + 1)..close] : text;
        }
        catch (IOException)
        {
            return "unavailable";
        }
        catch (UnauthorizedAccessException)
        {
            return "unavailable";
        }
    }

    public static string KernelRelease() => File.Exists("/proc/sys/kernel/osrelease")
        ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim()
        : Environment.OSVersion.VersionString;

    public static long MemTotalBytes()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public static bool IsRoot => Environment.UserName == "root" || geteuidIsZero();

    private static bool geteuidIsZero()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
        }
        catch (IOException) { }
        return false;
    }

    /// <summary>Runs a program and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            info.ArgumentList.Add(a);
        using Process p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Trim());
    }

    public static long Timestamp() => Stopwatch.GetTimestamp();

    public static double SecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;
}

internal sealed record MountInfo(string Device, string MountPoint, string Type, string Options)
{
    public bool HasOption(string name) => Options.Split(',').Any(o => o == name || o.StartsWith(name + "=", StringComparison.Ordinal));

    /// <summary>"dax", "dax=always", "dax=inode"... or null.</summary>
    public string? DaxOption => Options.Split(',').FirstOrDefault(o => o == "dax" || o.StartsWith("dax=", StringComparison.Ordinal));

    public bool IsTmpfs => Type == "tmpfs";
}
