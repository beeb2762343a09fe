using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PmdkSharp.PeerBench;

/// <summary>
/// What the block device under a directory completed: write requests and cache flushes, from
/// <c>/sys/dev/block/MAJOR:MINOR/stat</c>. Divided by the appends of a timed run they show how many
/// device round trips one durable append costs, after the kernel merged what it could (every other
/// writer on the disk counts too: read them on a quiet machine).
/// </summary>
internal readonly record struct DeviceCounters(long Writes, long Flushes)
{
    /// <summary>The stat file of the device that holds <paramref name="directory"/>, or null on a file system without one (tmpfs).</summary>
    public static string? StatPath(string directory)
    {
        string full = Path.GetFullPath(directory).TrimEnd('/') + "/";
        string? device = null;
        int longest = -1;
        // mountinfo: "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ...": the longest mount point over the directory holds it.
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] f = line.Split(' ');
            string mount = f[4].TrimEnd('/') + "/";
            if (full.StartsWith(mount, StringComparison.Ordinal) && mount.Length > longest)
            {
                longest = mount.Length;
                device = f[2];
            }
        }
        if (device is null || device.StartsWith("0:", StringComparison.Ordinal))
            return null;
        string path = $"/sys/dev/block/{device}/stat";
        return File.Exists(path) ? path : null;
    }

    /// <summary>Field 5 is writes completed, field 16 flushes completed (kernels since 5.5).</summary>
    public static DeviceCounters Read(string statPath)
    {
        long[] f = File.ReadAllText(statPath).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new DeviceCounters(f[4], f.Length > 15 ? f[15] : 0);
    }

    public static DeviceCounters operator -(DeviceCounters after, DeviceCounters before) =>
        new(after.Writes - before.Writes, after.Flushes - before.Flushes);
}
