using System;
using System.Collections.Generic;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Durable small writes: records written and made durable one by one, appended through a
/// file (wrapping around), with each way .NET code can do it.
/// </summary>
internal sealed unsafe class SmallWritesBench : IBenchSection
{
    public string Name => "small-writes";

    /// <summary>Disk directories in the tool's own process (the msync path); the memory directory in the emulated-pmem child.</summary>
    public int Steps(BenchContext context) =>
        (context.InEmulatedPmemChild ? (context.Memory is null ? 0 : 1) : context.Disks.Count()) * Variants.Length;

    public void Run(BenchContext context, IProgressSink progress)
    {
        if (context.InEmulatedPmemChild)
        {
            BenchDir memory = context.Memory!;
            ResultTable table = Run(memory, $"emulated pmem ({memory.Label} {memory.Mount?.MountPoint}, PMEM_IS_PMEM_FORCE=1)", context.Settings, progress);
            context.Report.Tables.Add(table);
            AddFindings(context.Report, table, emulatedPmem: true);
            return;
        }
        if (context.Memory is null)
        {
            context.Report.Skipped.Add("small-writes: emulated pmem not measured, no tmpfs or DAX directory among --dir");
            context.Report.Findings.Add(Finding.NotComputed(EmulatedPmemTarget("small-writes"), "no tmpfs or DAX directory among --dir"));
        }
        foreach (BenchDir d in context.Disks)
            context.Report.Tables.Add(Run(d, $"{d.Label} ({d.Mount?.MountPoint}), msync path", context.Settings, progress));
    }

    public static readonly string[] Variants =
    [
        "PmdkSharp, PMDK backend (CopyPersist)",
        "PmdkSharp, managed backend (CopyPersist)",
        "MemoryMappedFile + Flush",
        "FileStream Write + Flush(true)",
    ];

    public static ResultTable Run(BenchDir dir, string fsLabel, BenchSettings s, IProgressSink progress)
    {
        var table = new ResultTable
        {
            Id = $"small-writes-{dir.Label}", LabelHeader = "writer",
            Title = $"Durable small writes on {fsLabel}",
            Note = $"Records appended to a {Format.Bytes(s.SmallWriteFileBytes)} file (prefaulted), each made durable before the next; "
                + $"{s.SmallWriteSeconds:0.##} s per cell. MemoryMappedFile.Flush msyncs its whole view; FileStream.Flush(true) is fsync.",
            Columns = BenchSettings.RecordSizes.Select(r => $"{Format.Bytes(r)} rec/s").Append("64 B us/rec").ToList(),
        };
        string path = dir.File("small-writes.bin");
        foreach (string variant in Variants)
        {
            progress.Step($"small writes {dir.Label}: {variant}");
            var values = new List<double?>();
            foreach (int size in BenchSettings.RecordSizes)
            {
                File.Delete(path);
                try
                {
                    values.Add(variant switch
                    {
                        _ when variant == Variants[0] => PmemFileRate(path, size, PmemBackendKind.Pmdk, s),
                        _ when variant == Variants[1] => PmemFileRate(path, size, PmemBackendKind.Managed, s),
                        _ when variant == Variants[2] => MemoryMappedFileRate(path, size, s),
                        _ => FileStreamRate(path, size, s),
                    });
                }
                finally
                {
                    File.Delete(path);
                }
            }
            values.Add(values[0] is double r64 ? 1e6 / r64 : null);
            table.Add(variant, values.ToArray());
        }
        return table;
    }

    internal static byte[] Record(int size)
    {
        var record = new byte[size];
        new Random(size).NextBytes(record);
        return record;
    }

    /// <summary>Runs <paramref name="write"/> for record i until the time is up; returns records per second.</summary>
    internal static double Rate(double seconds, Action<long> write)
    {
        for (long i = 0; i < 8; i++)
            write(i); // warm-up
        long count = 0;
        long t0 = Sys.Timestamp();
        double elapsed;
        do
        {
            for (int k = 0; k < 16; k++)
                write(count++);
            elapsed = Sys.SecondsSince(t0);
        }
        while (elapsed < seconds);
        return count / elapsed;
    }

    private static double PmemFileRate(string path, int size, PmemBackendKind backend, BenchSettings s)
    {
        byte[] record = Record(size);
        long slots = s.SmallWriteFileBytes / size;
        using var file = PmemFile.Open(path, new PmemFileOptions
        {
            Mode = FileMode.CreateNew, Length = s.SmallWriteFileBytes, Prefault = PrefaultMode.PopulateWrite, Backend = backend,
        });
        return Rate(s.SmallWriteSeconds, i => file.CopyPersist(i % slots * size, record));
    }

    internal static double MemoryMappedFileRate(string path, int size, BenchSettings s)
    {
        byte[] record = Record(size);
        long slots = s.SmallWriteFileBytes / size;
        using var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, s.SmallWriteFileBytes, MemoryMappedFileAccess.ReadWrite);
        using var view = mmf.CreateViewAccessor(0, s.SmallWriteFileBytes);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            byte* basePointer = p + view.PointerOffset;
            for (long offset = 0; offset < s.SmallWriteFileBytes; offset += 4096)
                basePointer[offset] = 0; // prefault, as the PmemFile cases do
            view.Flush();
            return Rate(s.SmallWriteSeconds, i =>
            {
                record.AsSpan().CopyTo(new Span<byte>(basePointer + i % slots * size, size));
                view.Flush();
            });
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    internal static double FileStreamRate(string path, int size, BenchSettings s)
    {
        byte[] record = Record(size);
        long slots = s.SmallWriteFileBytes / size;
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        stream.SetLength(s.SmallWriteFileBytes);
        return Rate(s.SmallWriteSeconds, i =>
        {
            if (i % slots == 0)
                stream.Position = 0;
            stream.Write(record);
            stream.Flush(flushToDisk: true);
        });
    }

    public static void AddFindings(BenchReport report, ResultTable table, bool emulatedPmem)
    {
        if (!emulatedPmem)
            return;
        string col = table.Columns[0];
        double pmdk = table.Get(Variants[0], col) ?? double.NaN;
        double mmf = table.Get(Variants[2], col) ?? double.NaN;
        double fs = table.Get(Variants[3], col) ?? double.NaN;
        string target = EmulatedPmemTarget(table.Id);
        if (double.IsNaN(pmdk) || double.IsNaN(mmf) || double.IsNaN(fs))
        {
            report.Findings.Add(Finding.NotComputed(target, "a 64 B rate was not measured"));
            return;
        }
        report.Findings.Add(new Finding
        {
            Target = target,
            Measured = $"PMDK backend {Format.Number(pmdk)}/s: {Format.Ratio(pmdk / mmf)} MemoryMappedFile, {Format.Ratio(pmdk / fs)} FileStream",
            Met = pmdk >= 10 * mmf && pmdk >= 10 * fs,
        });
    }

    private static string EmulatedPmemTarget(string tableId) =>
        $"{tableId}: durable 64 B writes on emulated pmem >= 10x MemoryMappedFile + Flush and FileStream + Flush(true)";
}
