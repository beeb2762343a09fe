using System;
using System.Globalization;
using System.IO;

namespace PmdkSharp.Diagnostics;

/// <summary>Reads /proc/self/maps and smaps: huge pages obtained, VMA count, which file backs an address.</summary>
internal static class ProcMaps
{
    /// <summary>Bytes mapped with huge page table entries inside [start, end), or null where the kernel does not say.</summary>
    public static long? HugePageBytes(nuint start, nuint end)
    {
        try
        {
            return SumSmaps(start, end, "AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Dirty bytes (Private_Dirty + Shared_Dirty) of the VMAs overlapping [start, end): pages written and not yet written back.</summary>
    public static long DirtyBytes(nuint start, nuint end) => SumSmaps(start, end, "Private_Dirty:", "Shared_Dirty:");

    /// <summary>The sum, in bytes, of the named kB fields of every smaps entry overlapping [start, end).</summary>
    private static long SumSmaps(nuint start, nuint end, params string[] fields)
    {
        long total = 0;
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (TryParseRange(line, out nuint from, out nuint to))
            {
                inside = from < end && to > start;
                continue;
            }
            if (inside && Array.Exists(fields, field => line.StartsWith(field, StringComparison.Ordinal)))
                total += ParseKiB(line) * 1024;
        }
        return total;
    }

    /// <summary>
    /// How many VMAs (lines of /proc/self/maps) overlap [start, end); with <paramref name="file"/>,
    /// only those mapping that file (so a range unmapped and then reused by someone else counts 0).
    /// </summary>
    public static int CountVmas(nuint start, nuint end, string? file = null)
    {
        int count = 0;
        foreach (string line in File.ReadLines("/proc/self/maps"))
            if (TryParseRange(line, out nuint from, out nuint to) && from < end && to > start
                && (file is null || line.AsSpan(Math.Max(line.IndexOf('/'), 0)).StartsWith(file, StringComparison.Ordinal)))
                count++;
        return count;
    }

    /// <summary>The file mapped at an address (a loaded library's real path), or null.</summary>
    public static string? FileContaining(nuint address)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash > 0 && TryParseRange(line, out nuint from, out nuint to) && address >= from && address < to)
                    return line[slash..];
            }
        }
        catch (IOException)
        {
            // /proc may be hidden in a sandbox: callers fall back to what they know.
        }
        return null;
    }

    private static bool TryParseRange(string line, out nuint from, out nuint to)
    {
        from = to = 0;
        int dash = line.IndexOf('-');
        int space = line.IndexOf(' ');
        if (dash <= 0 || space < dash)
            return false;
        return nuint.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out from)
            && nuint.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out to);
    }

    private static long ParseKiB(string line)
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kib) ? kib : 0;
    }
}
