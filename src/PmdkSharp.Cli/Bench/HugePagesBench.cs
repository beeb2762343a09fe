using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Huge pages: first touch of a file on a huge=always tmpfs (mounted here when root) with and
/// without MADV_HUGEPAGE, against the same on the default tmpfs and against MemoryMappedFile,
/// whose view is not 2 MiB aligned.
/// </summary>
internal sealed unsafe class HugePagesBench : IBenchSection
{
    public string Name => "huge-pages";

    public int Steps(BenchContext context) => context.InEmulatedPmemChild ? 0 : 6;

    public void Run(BenchContext context, IProgressSink progress)
    {
        if (Run(context.Memory, context.Settings, progress, context.Report.Skipped) is { } table)
            context.Report.Tables.Add(table);
    }

    public static ResultTable? Run(BenchDir? memoryDir, BenchSettings s, IProgressSink progress, List<string> skipped)
    {
        string mountPoint = Path.Combine(Path.GetTempPath(), $"pmemsharp-huge-{Environment.ProcessId}");
        bool mounted = false;
        progress.Step("huge pages: mounting a huge=always tmpfs");
        if (!Sys.IsRoot)
        {
            skipped.Add("huge pages: unavailable, mounting a huge=always tmpfs needs root");
            return null;
        }
        try
        {
            Directory.CreateDirectory(mountPoint);
            string size = ((s.FileBytes * 2 + (64L << 20)) >> 20).ToString(CultureInfo.InvariantCulture) + "m";
            (int code, string output) = Sys.Run("mount", "-t", "tmpfs", "-o", $"size={size},huge=always", "pmemsharp-huge", mountPoint);
            if (code != 0)
            {
                skipped.Add($"huge pages: unavailable, mount -t tmpfs -o huge=always failed: {output}");
                return null;
            }
            mounted = true;
            var table = new ResultTable
            {
                Id = "huge-pages", LabelHeader = "file system, mapping",
                Title = $"Huge pages: first touch of {Format.Bytes(s.FileBytes)}",
                Note = "Prefault None, Allocate; huge MiB is what /proc/self/smaps reports mapped with 2 MiB entries after the first pass. "
                    + "PmdkSharp mappings are always 2 MiB aligned; HugePages adds MADV_HUGEPAGE.",
                Columns = ["first pass GB/s", "faults first pass", "huge MiB", "second pass GB/s", "first/second"],
            };
            foreach (bool huge in new[] { false, true })
            {
                progress.Step($"huge pages: huge=always tmpfs, HugePages={huge}");
                table.Add($"huge=always tmpfs, PmemFile HugePages={huge}", MeasurePmemFile(Path.Combine(mountPoint, "huge.bin"), s.FileBytes, huge));
            }
            progress.Step("huge pages: huge=always tmpfs, MemoryMappedFile");
            table.Add("huge=always tmpfs, MemoryMappedFile", MeasureMemoryMappedFile(Path.Combine(mountPoint, "huge.bin"), s.FileBytes));
            if (memoryDir is not null)
            {
                string shmem = Sys.SysfsChoice("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
                foreach (bool huge in new[] { false, true })
                {
                    progress.Step($"huge pages: {memoryDir.Label}, HugePages={huge}");
                    table.Add($"{memoryDir.Label} (shmem_enabled {shmem}), PmemFile HugePages={huge}",
                        MeasurePmemFile(memoryDir.File("huge.bin"), s.FileBytes, huge));
                }
            }
            return table;
        }
        finally
        {
            if (mounted)
                Sys.Run("umount", mountPoint);
            try
            {
                Directory.Delete(mountPoint);
            }
            catch (IOException) { }
        }
    }

    private static double?[] MeasurePmemFile(string path, long bytes, bool hugePages)
    {
        File.Delete(path);
        try
        {
            using var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.CreateNew, Length = bytes, HugePages = hugePages });
            long f0 = Sys.MinorFaults();
            double first = FirstTouchBench.WritePass(file, 1);
            long faults = Sys.MinorFaults() - f0;
            long? hugeBytes = file.GetHugePageBytes();
            double second = FirstTouchBench.WritePass(file, 2);
            return [bytes / 1e9 / first, faults, hugeBytes / (double)(1 << 20), bytes / 1e9 / second, second / first];
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double?[] MeasureMemoryMappedFile(string path, long bytes)
    {
        File.Delete(path);
        try
        {
            using var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, bytes, MemoryMappedFileAccess.ReadWrite);
            using var view = mmf.CreateViewAccessor(0, bytes);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            try
            {
                byte* start = p + view.PointerOffset;
                long f0 = Sys.MinorFaults();
                double first = Fill(start, bytes, 1);
                long faults = Sys.MinorFaults() - f0;
                long? hugeBytes = Sys.HugePageBytes((nuint)start, (nuint)(start + bytes));
                double second = Fill(start, bytes, 2);
                return [bytes / 1e9 / first, faults, hugeBytes / (double)(1 << 20), bytes / 1e9 / second, second / first];
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Fill(byte* start, long bytes, byte value)
    {
        const int window = 1 << 20;
        long t0 = Sys.Timestamp();
        for (long offset = 0; offset < bytes; offset += window)
            new Span<byte>(start + offset, (int)Math.Min(window, bytes - offset)).Fill(value);
        return Sys.SecondsSince(t0);
    }
}
