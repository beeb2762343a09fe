using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// An ext4 file system on a device-mapper device over the DAX VM's scratch disk
/// (PMDKSHARP_DM_DISK), whose table can be switched so that writes to one file's blocks fail
/// (dm <c>error</c> target) while the rest of the disk, metadata and journal included, keeps
/// working: a bad range under the data, as a failing drive shows it.
/// </summary>
internal sealed partial class FailingDisk : IDisposable
{
    private readonly string name;
    private readonly string disk;
    private readonly long sectors;

    private FailingDisk(string name, string disk, long sectors, string directory)
    {
        this.name = name;
        this.disk = disk;
        this.sectors = sectors;
        Directory = directory;
    }

    /// <summary>Where the file system is mounted.</summary>
    public string Directory { get; }

    public static FailingDisk Create(string tag)
    {
        string disk = Environment.GetEnvironmentVariable("PMDKSHARP_DM_DISK")
            ?? throw new InvalidOperationException("PMDKSHARP_DM_DISK is not set: run these tests with ./build.sh test-dax");
        Assert.True(TestEnvironment.IsRoot, "device-mapper needs root (the DAX VM runs tests as root)");
        long sectors = long.Parse(File.ReadAllText($"/sys/class/block/{Path.GetFileName(disk)}/size").Trim(), CultureInfo.InvariantCulture);
        string name = $"pmdksharp-{tag}-{Environment.ProcessId}";
        string directory = Path.Combine(Path.GetTempPath(), name);
        Run("dmsetup", "create", name, "--table", $"0 {sectors} linear {disk} 0");
        var created = new FailingDisk(name, disk, sectors, directory);
        try
        {
            Run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", created.Device);
            System.IO.Directory.CreateDirectory(directory);
            Run("mount", "-t", "ext4", "-o", "dax=never", created.Device, directory);
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    private string Device => $"/dev/mapper/{name}";

    /// <summary>Makes every write (and read) of <paramref name="path"/>'s blocks fail with EIO from now on; the page cache is left alone.</summary>
    public void FailBlocksOf(string path)
    {
        var extents = Extents(path);
        Assert.NotEmpty(extents);
        var table = new List<string>();
        long at = 0;
        foreach ((long start, long count) in extents.OrderBy(e => e.Start))
        {
            if (start > at)
                table.Add($"{at} {start - at} linear {disk} {at}");
            table.Add($"{start} {count} error");
            at = start + count;
        }
        if (at < sectors)
            table.Add($"{at} {sectors - at} linear {disk} {at}");
        Swap(string.Join('\n', table));
    }

    /// <summary>Every block readable and writable again.</summary>
    public void Heal() => Swap($"0 {sectors} linear {disk} 0");

    /// <summary>The file's extents in 512-byte sectors of the device, from filefrag.</summary>
    private static List<(long Start, long Count)> Extents(string path)
    {
        string report = Run("filefrag", "-v", "-b512", path);
        var extents = new List<(long, long)>();
        foreach (Match m in ExtentLine().Matches(report))
        {
            long physicalStart = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            long physicalEnd = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            extents.Add((physicalStart, physicalEnd - physicalStart + 1));
        }
        return extents;
    }

    // "   0:        0..    2047:     264192..    266239:   2048:             last,eof"
    [GeneratedRegex(@"^\s*\d+:\s*\d+\.\.\s*\d+:\s*(\d+)\.\.\s*(\d+):", RegexOptions.Multiline)]
    private static partial Regex ExtentLine();

    /// <summary>Loads a new table without freezing the file system (--nolockfs): a freeze would write the dirty pages back first.</summary>
    private void Swap(string table)
    {
        Run("dmsetup", "suspend", "--nolockfs", "--noflush", name);
        try
        {
            Run("dmsetup", "reload", name, "--table", table);
        }
        finally
        {
            Run("dmsetup", "resume", name);
        }
    }

    public void Dispose()
    {
        try
        {
            Heal();
        }
        catch (Exception)
        {
            // best effort: the device may already be gone
        }
        TryRun("umount", Directory);
        TryRun("dmsetup", "remove", "--retry", name);
        try
        {
            System.IO.Directory.Delete(Directory);
        }
        catch (IOException)
        {
        }
    }

    private static string Run(string command, params string[] arguments)
    {
        (int exitCode, string stdout, string stderr) = Execute(command, arguments);
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', arguments)} failed ({exitCode}): {stderr}");
        return stdout;
    }

    private static void TryRun(string command, params string[] arguments) => Execute(command, arguments);

    private static (int, string, string) Execute(string command, string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // No udev in the VM: libdevmapper creates and removes the /dev/mapper nodes itself.
        start.Environment["DM_DISABLE_UDEV"] = "1";
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
