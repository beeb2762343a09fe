using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>What the kernel says about one device-DAX character device (<c>/dev/daxX.Y</c>), read when it is opened.</summary>
/// <param name="Path">The path it was asked for by.</param>
/// <param name="Name">The kernel's name for it (<c>dax0.0</c>), whatever the path is called.</param>
/// <param name="Major">The device's major number.</param>
/// <param name="Minor">Its minor number, as stat reported it now: it is not stable across boots.</param>
/// <param name="Size">Bytes the device maps (sysfs <c>size</c>; fstat and lseek report 0).</param>
/// <param name="Alignment">Mapping offsets and lengths must be multiples of this (sysfs <c>align</c>, usually 2 MiB).</param>
/// <param name="PersistenceDomain">The NVDIMM region's <c>persistence_domain</c>: <c>cpu_cache</c> (eADR: stores are
/// durable once visible) or <c>memory_controller</c> (ADR: cache lines must be flushed); null where the kernel does not say.</param>
internal sealed record DeviceDaxInfo(string Path, string Name, uint Major, uint Minor, long Size, long Alignment, string? PersistenceDomain)
{
    /// <summary>Whether the CPU caches are inside the persistence domain (no flush needed, only ordering).</summary>
    public bool HasAutoFlush => PersistenceDomain == "cpu_cache";
}

/// <summary>
/// Tells a device-DAX character device apart from a file, from sysfs alone: stat gives the
/// device number, <c>/sys/dev/char/MAJ:MIN</c> the subsystem (<c>dax</c>), size, alignment and,
/// up the device path, the region's persistence domain. The device number is looked up from the
/// path on every call, since the minor number of the same namespace changes between boots.
/// </summary>
/// <remarks>
/// Device DAX maps the device's memory directly: no page cache, no file system. Mappings must
/// be MAP_SHARED with offsets and lengths that are multiples of <see cref="DeviceDaxInfo.Alignment"/>;
/// it cannot be truncated, allocated or grown; msync(MS_SYNC), fsync and pread fail with EINVAL,
/// so persistence there is cache-line flushes (or nothing more than ordering under eADR).
/// </remarks>
internal static unsafe partial class DeviceDax
{
    private const string CharDevices = "/sys/dev/char";

    /// <summary>
    /// The device-DAX facts for <paramref name="path"/>, or null when it is an ordinary file
    /// system object (a regular file, a directory, a path that does not exist yet) to be opened
    /// the usual way.
    /// </summary>
    /// <exception cref="IOException">The path is a character device that is not device DAX (/dev/null, /dev/zero, a
    /// tty...), or a regular file named like one (<c>dax0.0</c>: made by something that wrote to the path while the
    /// device was missing), or sysfs lacks the device's size or alignment.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at a path named like a device-DAX device.</exception>
    public static DeviceDaxInfo? Probe(string path) => PathProbe.Of(path).Device;

    /// <summary>The device-DAX facts of the character device <paramref name="path"/> names, statx having said what it is.</summary>
    /// <exception cref="IOException">It is not device DAX, or sysfs lacks its size or alignment.</exception>
    internal static DeviceDaxInfo FromCharacterDevice(string path, in statx status)
    {
        uint major = status.stx_rdev_major, minor = status.stx_rdev_minor;
        string device = $"{CharDevices}/{major}:{minor}";
        string subsystem = SubsystemOf(device);
        if (subsystem != "dax")
            throw new IOException(
                $"'{path}' is a character device ({major}:{minor}, subsystem '{subsystem}'), not device DAX: only /dev/daxX.Y devices " +
                "(subsystem 'dax') can be mapped as persistent memory.");

        string realDevice = new DirectoryInfo(device).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? device;
        long size = ReadNumber(device, "size", path)
            ?? throw new IOException($"Device DAX '{path}' ({major}:{minor}): sysfs has no size in {device}.");
        long alignment = ReadNumber(device, "align", path) ?? ReadNumber(device, "dax_region/align", path)
            ?? throw new IOException($"Device DAX '{path}' ({major}:{minor}): sysfs has no alignment in {device}.");
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new IOException($"Device DAX '{path}' ({major}:{minor}): alignment {alignment} from sysfs is not a power of two.");
        return new DeviceDaxInfo(path, Path.GetFileName(realDevice), major, minor, size, alignment, PersistenceDomainAbove(realDevice));
    }

    private const string DaxBus = "/sys/bus/dax/devices";

    /// <summary>
    /// Every device-DAX device with a node in /dev, from the dax bus in sysfs (empty where there is
    /// none). A device the kernel gave to system RAM (daxctl reconfigure-device -m system-ram) has
    /// no node and is left out. A device that cannot be read is left out rather than thrown for:
    /// this feeds diagnostics.
    /// </summary>
    public static IReadOnlyList<DeviceDaxInfo> List()
    {
        var devices = new List<DeviceDaxInfo>();
        if (!Directory.Exists(DaxBus))
            return devices;
        foreach (string entry in Directory.EnumerateFileSystemEntries(DaxBus))
        {
            string node = Path.Combine("/dev", Path.GetFileName(entry));
            try
            {
                if (Probe(node) is { } device)
                    devices.Add(device);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // no node, or not readable here: not a device this process can map
            }
        }
        devices.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return devices;
    }

    /// <summary>Whether the file name is what the kernel names device-DAX devices: daxX.Y.</summary>
    public static bool LooksLikeDeviceDax(string path) => DeviceName().IsMatch(Path.GetFileName(path));

    [GeneratedRegex(@"^dax[0-9]+\.[0-9]+$")]
    private static partial Regex DeviceName();

    /// <summary>The name of the subsystem a sysfs device belongs to ("dax", "mem", "tty"...), from its subsystem link.</summary>
    private static string SubsystemOf(string device)
    {
        var link = new DirectoryInfo(Path.Combine(device, "subsystem"));
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFileName(target.FullName) : "unknown";
        }
        catch (IOException)
        {
            return "unknown"; // no sysfs entry: not a device sysfs knows as DAX either
        }
    }

    /// <summary>
    /// The persistence_domain of the NVDIMM region above the device in the sysfs tree
    /// (…/ndbusN/regionN/daxN.M/daxN.M), or null when the region does not report one.
    /// </summary>
    private static string? PersistenceDomainAbove(string realDevice)
    {
        for (DirectoryInfo? directory = new DirectoryInfo(realDevice).Parent; directory is not null; directory = directory.Parent)
        {
            string domain = Path.Combine(directory.FullName, "persistence_domain");
            if (File.Exists(domain))
            {
                string value = File.ReadAllText(domain).Trim();
                return value.Length == 0 ? null : value;
            }
            if (directory.Name.StartsWith("region", StringComparison.Ordinal) || directory.FullName == "/sys/devices")
                return null;
        }
        return null;
    }

    private static long? ReadNumber(string device, string attribute, string path)
    {
        string file = Path.Combine(device, attribute);
        if (!File.Exists(file))
            return null;
        string text = File.ReadAllText(file).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new IOException($"Device DAX '{path}': {file} holds '{text}', not a number.");
    }
}
