using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using PmdkSharp.Interop;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>What the kernel says about this process's memory and a file's blocks: fault counters, smaps, mincore, st_blocks.</summary>
public static unsafe class ProcessMemory
{
    public static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>Minor page faults of the calling thread so far (field 10 of /proc/thread-self/stat): other tests running in parallel don't count.</summary>
    public static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>The kernel mappings (VMAs) of /proc/self/smaps overlapping [start, end), each with its fields.</summary>
    public static List<Vma> Smaps(nuint start, nuint end)
    {
        var result = new List<Vma>();
        Vma? current = null;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-'), space = line.IndexOf(' ');
            if (dash > 0 && space > dash
                && nuint.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out nuint from)
                && nuint.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out nuint to))
            {
                current = from < end && to > start ? new Vma(from, to) : null;
                if (current is not null)
                    result.Add(current);
                continue;
            }
            if (current is null)
                continue;
            int colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            string name = line[..colon];
            string value = line[(colon + 1)..].Trim();
            if (name == "VmFlags")
                current.Flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            else if (value.EndsWith(" kB", StringComparison.Ordinal))
                current.Bytes[name] = long.Parse(value[..^3], CultureInfo.InvariantCulture) * 1024;
        }
        return result;
    }

    /// <summary>A field of smaps (Rss, Locked, ...) summed over the VMAs overlapping [start, end).</summary>
    public static long SmapsBytes(nuint start, nuint end, string field) =>
        Smaps(start, end).Sum(v => v.Bytes.GetValueOrDefault(field));

    /// <summary>The VmFlags of the VMA holding <paramref name="address"/>.</summary>
    public static string[] VmFlags(nuint address) =>
        Smaps(address, address + 1).Single().Flags;

    /// <summary>How many pages of [address, address + length) are in the page cache (mincore), for a page-aligned address.</summary>
    public static int ResidentPages(nuint address, long length)
    {
        int pages = (int)((length + PageSize - 1) / PageSize);
        byte[] vector = new byte[pages];
        fixed (byte* v = vector)
            if (Libc.mincore((void*)address, (nuint)length, v) != 0)
                throw new IOException($"mincore failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return vector.Count(b => (b & 1) != 0);
    }

    /// <summary>The file's allocated 512-byte blocks (st_blocks), from stat(1).</summary>
    public static long FileBlocks(string path)
    {
        var start = new ProcessStartInfo("stat", ["--format=%b", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new IOException($"stat {path}: {process.StandardError.ReadToEnd()}");
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The type of the file system holding <paramref name="path"/> (tmpfs, ext4, ...), from /proc/self/mountinfo.</summary>
    public static string FileSystemType(string path)
    {
        string full = Path.GetFullPath(path);
        (string Point, string Type) best = ("", "");
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            string point = fields[4];
            bool contains = full == point || full.StartsWith(point.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (contains && separator > 0 && point.Length >= best.Point.Length)
                best = (point, fields[separator + 1]);
        }
        return best.Type;
    }

    public sealed class Vma(nuint from, nuint to)
    {
        public nuint From { get; } = from;
        public nuint To { get; } = to;
        public Dictionary<string, long> Bytes { get; } = new();
        public string[] Flags { get; set; } = [];

        public override string ToString() =>
            $"{From:x}-{To:x} {string.Join(' ', Flags)} {string.Join(' ', Bytes.Where(b => b.Value != 0).Select(b => $"{b.Key}={b.Value}"))}";
    }
}
