using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PmdkSharp.Interop;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Durable small records on real DAX: a file on a DAX file system (fsdax) and a device-DAX device,
/// each writer side by side in one table so ratios compare within one run. Needs a DAX mount among
/// --dir and/or a device-DAX device (PMDKSHARP_DEVDAX, else the first one sysfs lists); in the test
/// VM: <c>pmemsharp bench --only dax-writes --dir /mnt/dax</c>. Writes over the device's first bytes.
/// </summary>
internal sealed unsafe class DaxWritesBench : IBenchSection
{
    public string Name => "dax-writes";

    private static readonly string[] FsdaxVariants =
    [
        "fsdax: PMDK backend (libpmem flush)",
        "fsdax: managed backend (cache-line flush)",
        "fsdax: managed backend (msync)",
        "fsdax: MemoryMappedFile + Flush",
        "fsdax: FileStream Write + Flush(true)",
    ];

    private static readonly string[] DevdaxVariants =
    [
        "devdax: PMDK backend (libpmem flush)",
        "devdax: managed backend (cache-line flush)",
    ];

    private const string Baseline = "fsdax: PMDK backend (libpmem flush)";

    public int Steps(BenchContext context)
    {
        if (context.InEmulatedPmemChild)
            return 0; // real DAX only: PMEM_IS_PMEM_FORCE would make any file look like it
        int steps = (FsdaxDir(context) is null ? 0 : FsdaxVariants.Length) + (Device() is null ? 0 : DevdaxVariants.Length);
        return Math.Max(steps, 1);
    }

    public void Run(BenchContext context, IProgressSink progress)
    {
        BenchDir? fsdax = FsdaxDir(context);
        string? device = Device();
        if (fsdax is null && device is null)
        {
            progress.Step("dax-writes: nothing to measure");
            context.Report.Skipped.Add("dax-writes: no DAX file system among --dir and no device-DAX device");
            return;
        }
        BenchSettings s = context.Settings;
        var table = new ResultTable
        {
            Id = "dax-writes", LabelHeader = "writer",
            Title = $"Durable small writes on real DAX ({fsdax?.Mount?.MountPoint ?? "no fsdax"}, {device ?? "no devdax"})",
            Note = $"Records written one by one over {Format.Bytes(s.SmallWriteFileBytes)} (prefaulted), each durable before the next; "
                + $"{s.SmallWriteSeconds:0.##} s per cell. The last column divides each 64 B rate by the first row's. "
                + "Device DAX has no msync (EINVAL), so only the flushing writers run there. "
                + "In the test VM (qemu TCG) every instruction is emulated: compare ratios within this table only.",
            Columns = BenchSettings.RecordSizes.Select(r => $"{Format.Bytes(r)} rec/s").Append($"64 B vs {Baseline}").ToList(),
        };
        if (fsdax is not null)
        {
            string path = fsdax.File("dax-writes.bin");
            foreach (string variant in FsdaxVariants)
            {
                progress.Step($"dax-writes: {variant}");
                var values = new List<double?>();
                foreach (int size in BenchSettings.RecordSizes)
                {
                    File.Delete(path);
                    try
                    {
                        values.Add(variant switch
                        {
                            _ when variant == FsdaxVariants[0] => PmemFileRate(path, Created(s, PmemBackendKind.Pmdk), size, s),
                            _ when variant == FsdaxVariants[1] => PmemFileRate(path, Created(s, PmemBackendKind.Managed), size, s),
                            // msync instead of the flusher chosen at open: the managed backend's fallback path, measured on the same file.
                            _ when variant == FsdaxVariants[2] => MsyncRate(path, Created(s, PmemBackendKind.Managed), size, s),
                            _ when variant == FsdaxVariants[3] => SmallWritesBench.MemoryMappedFileRate(path, size, s),
                            _ => SmallWritesBench.FileStreamRate(path, size, s),
                        });
                    }
                    finally
                    {
                        File.Delete(path);
                    }
                }
                table.Add(variant, values.ToArray());
            }
        }
        if (device is not null)
        {
            foreach (string variant in DevdaxVariants)
            {
                progress.Step($"dax-writes: {variant}");
                var backend = variant == DevdaxVariants[0] ? PmemBackendKind.Pmdk : PmemBackendKind.Managed;
                var options = new PmemFileOptions { Mode = FileMode.Open, Prefault = PrefaultMode.PopulateWrite, Backend = backend };
                table.Add(variant, BenchSettings.RecordSizes.Select(size => (double?)PmemFileRate(device, options, size, s)).ToArray());
            }
        }
        double? baseline = table.Get(Baseline, table.Columns[0]);
        foreach (ResultRow row in table.Rows)
            row.Values.Add(baseline is > 0 && row.Values[0] is { } rate ? rate / baseline : null);
        context.Report.Tables.Add(table);
    }

    private static PmemFileOptions Created(BenchSettings s, PmemBackendKind backend) => new()
    {
        Mode = FileMode.CreateNew, Length = s.SmallWriteFileBytes, Prefault = PrefaultMode.PopulateWrite, Backend = backend,
    };

    private static double PmemFileRate(string path, PmemFileOptions options, int size, BenchSettings s)
    {
        byte[] record = SmallWritesBench.Record(size);
        using var file = PmemFile.Open(path, options);
        long slots = Math.Min(s.SmallWriteFileBytes, file.Length) / size;
        return SmallWritesBench.Rate(s.SmallWriteSeconds, i => file.CopyPersist(i % slots * size, record));
    }

    /// <summary>
    /// Writes through the mapping and makes each record durable with msync(MS_SYNC) of its pages, as the
    /// managed backend's msync strategy does where it cannot flush cache lines.
    /// </summary>
    private static double MsyncRate(string path, PmemFileOptions options, int size, BenchSettings s)
    {
        byte[] record = SmallWritesBench.Record(size);
        using var file = PmemFile.Open(path, options);
        long slots = Math.Min(s.SmallWriteFileBytes, file.Length) / size;
        using MemoryHandle pin = file.GetMemory(0, (int)Math.Min(file.Length, int.MaxValue)).Pin();
        byte* mapping = (byte*)pin.Pointer;
        long page = Environment.SystemPageSize;
        return SmallWritesBench.Rate(s.SmallWriteSeconds, i =>
        {
            long offset = i % slots * size;
            file.Write(offset, record);
            long first = offset & ~(page - 1);
            if (Libc.msync(mapping + first, (nuint)(offset + size - first), Libc.MS_SYNC) != 0)
                throw new IOException($"msync of {path} failed: errno {Marshal.GetLastPInvokeError()}");
        });
    }

    /// <summary>The first --dir on a file system mounted with DAX, unless pmem is forced (then nothing here is real DAX).</summary>
    private static BenchDir? FsdaxDir(BenchContext context) =>
        PmemRuntime.GetDiagnostics().PmemForced == true ? null : context.Dirs.FirstOrDefault(d => d.Mount?.DaxOption is not null);

    private static string? Device() =>
        Environment.GetEnvironmentVariable("PMDKSHARP_DEVDAX") is { Length: > 0 } explicitDevice
            ? explicitDevice
            : PmemRuntime.GetDiagnostics().DeviceDaxDevices.FirstOrDefault()?.Path;
}
