using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using static PmdkSharp.Interop.Libc; // the generator's bindings, compiled into this tool

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Growth: the cost of each grow as the mapping gets bigger, and what touching the old region
/// costs after a grow, against munmap + mmap of the whole file and against MemoryMappedFile
/// re-creating its view.
/// </summary>
internal sealed unsafe class GrowthBench : IBenchSection
{
    private const int Page = 4096;

    public string Name => "growth";

    public int Steps(BenchContext context) => context.InEmulatedPmemChild ? 0 : context.Dirs.Count * 5;

    public void Run(BenchContext context, IProgressSink progress)
    {
        foreach (BenchDir d in context.Dirs)
        {
            context.Report.Tables.AddRange(Run(d, context.Settings, progress));
            AddFindings(context.Report, d);
        }
    }

    public static IEnumerable<ResultTable> Run(BenchDir dir, BenchSettings s, IProgressSink progress)
    {
        string path = dir.File("growth.bin");
        progress.Step($"growth {dir.Label}: PmemFile.Grow series");
        // An untimed series first: the first grows of a process also pay JIT tiers and the kernel's first
        // visits to these paths, which made the first quarter 2.5x the others and the finding "missed".
        GrowSeries(path, s with { GrowMax = Math.Min(s.GrowMax, 5 * s.GrowStep) });
        // Three series, pooled per quarter: a quick run has three grows a quarter, too few for one series'
        // median to hold from run to run on a loaded machine.
        List<List<(long Mapped, double Micros, long Faults)>> runs = Enumerable.Range(0, GrowSeriesRuns).Select(_ => GrowSeries(path, s)).ToList();
        List<(long Mapped, double Micros, long Faults)> grows = runs[0];
        progress.Step($"growth {dir.Label}: MemoryMappedFile re-create series");
        List<(long Mapped, double Micros, long Faults)> recreates = RecreateSeries(path, s);

        var series = new ResultTable
        {
            Id = $"growth-series-{dir.Label}", SeriesOnly = true, LabelHeader = "mapped MiB before",
            Title = $"Cost of each {Format.Bytes(s.GrowStep)} grow vs mapped size on {dir.Label}",
            Columns = ["mapped MiB", "PmemFile.Grow us", "PmemFile.Grow faults", "MemoryMappedFile re-create us"],
        };
        for (int i = 0; i < grows.Count; i++)
            series.Add((grows[i].Mapped >> 20).ToString(), grows[i].Mapped >> 20, grows[i].Micros, grows[i].Faults,
                i < recreates.Count ? recreates[i].Micros : null);

        var summary = new ResultTable
        {
            Id = $"growth-{dir.Label}", LabelHeader = "mapped size",
            Title = $"Grow by {Format.Bytes(s.GrowStep)} up to {Format.Bytes(s.GrowMax)} on {dir.Label} (Sparse, no prefault)",
            Note = $"Median of the grows whose starting size falls in each band, over {GrowSeriesRuns} series. A grow maps only the new tail at a fixed address; "
                + "MemoryMappedFile has no grow, so its row is disposing the view and creating a larger one (before touching anything).",
            Columns = ["PmemFile.Grow us", "faults per grow", "MemoryMappedFile re-create us"],
        };
        int quarter = Math.Max(1, grows.Count / 4);
        foreach ((string label, int from, int to) in new[]
                 {
                     ("first quarter", 1, quarter), ("second quarter", quarter, 2 * quarter),
                     ("third quarter", 2 * quarter, 3 * quarter), ("last quarter", 3 * quarter, grows.Count),
                 })
        {
            var band = runs.SelectMany(r => r.Skip(from).Take(Math.Max(1, to - from))).OrderBy(g => g.Mapped).ToList();
            var mmfBand = recreates.Skip(from).Take(Math.Max(1, to - from)).ToList();
            if (band.Count == 0)
                continue;
            summary.Add($"{label} ({band[0].Mapped >> 20}-{band[^1].Mapped >> 20} MiB)",
                band.Select(g => g.Micros).ToList().Median(), band.Select(g => (double)g.Faults).ToList().Median(),
                mmfBand.Count > 0 ? mmfBand.Select(g => g.Micros).ToList().Median() : null);
        }

        progress.Step($"growth {dir.Label}: re-faults after PmemFile.Grow");
        var refault = new ResultTable
        {
            Id = $"refault-{dir.Label}", LabelHeader = "how the file grows",
            Title = $"Touching the old {Format.Bytes(s.RefaultBytes)} after growing by {Format.Bytes(s.GrowStep)} on {dir.Label}",
            Note = "The old region is written (one store per 4 KiB page) before the grow, then again after it.",
            Columns = ["grow/remap ms", "touch old region ms", "old-region faults", "old-region pages"],
        };
        refault.Add("PmemFile.Grow (fixed base)", RefaultPmemFile(path, s));
        progress.Step($"growth {dir.Label}: re-faults after munmap + mmap");
        refault.Add("munmap + mmap whole file", RefaultRemap(path, s));
        progress.Step($"growth {dir.Label}: re-faults after MemoryMappedFile re-create");
        refault.Add("MemoryMappedFile new view", RefaultMemoryMappedFile(path, s));
        return [summary, refault, series];
    }

    private const int GrowSeriesRuns = 3;

    private static List<(long, double, long)> GrowSeries(string path, BenchSettings s)
    {
        File.Delete(path);
        var result = new List<(long, double, long)>();
        try
        {
            using var file = PmemFile.Open(path, new PmemFileOptions
            {
                Mode = FileMode.CreateNew, Length = s.GrowStep, MaxLength = s.GrowMax, Preallocation = Preallocation.Sparse,
            });
            for (long length = s.GrowStep; length + s.GrowStep <= s.GrowMax; length += s.GrowStep)
            {
                long f0 = Sys.MinorFaults();
                long t0 = Sys.Timestamp();
                file.Grow(length + s.GrowStep);
                double us = (Sys.Timestamp() - t0) * 1e6 / System.Diagnostics.Stopwatch.Frequency; // TimeSpan's 100 ns ticks are a tenth of a grow
                result.Add((length, us, Sys.MinorFaults() - f0));
            }
        }
        finally
        {
            File.Delete(path);
        }
        return result;
    }

    private static List<(long, double, long)> RecreateSeries(string path, BenchSettings s)
    {
        File.Delete(path);
        var result = new List<(long, double, long)>();
        MemoryMappedFile? mmf = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            mmf = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, s.GrowStep, MemoryMappedFileAccess.ReadWrite);
            view = mmf.CreateViewAccessor(0, s.GrowStep);
            for (long length = s.GrowStep; length + s.GrowStep <= s.GrowMax; length += s.GrowStep)
            {
                long f0 = Sys.MinorFaults();
                long t0 = Sys.Timestamp();
                view.Dispose();
                mmf.Dispose();
                mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, length + s.GrowStep, MemoryMappedFileAccess.ReadWrite);
                view = mmf.CreateViewAccessor(0, length + s.GrowStep);
                double us = Sys.SecondsSince(t0) * 1e6;
                result.Add((length, us, Sys.MinorFaults() - f0));
            }
        }
        finally
        {
            view?.Dispose();
            mmf?.Dispose();
            File.Delete(path);
        }
        return result;
    }

    private static void TouchPages(byte* address, long length)
    {
        for (long offset = 0; offset < length; offset += Page)
            address[offset]++;
    }

    private static double?[] Result(double growSeconds, double touchSeconds, long faults, long bytes) =>
        [growSeconds * 1e3, touchSeconds * 1e3, faults, bytes / Page];

    private static double?[] RefaultPmemFile(string path, BenchSettings s)
    {
        File.Delete(path);
        try
        {
            using var file = PmemFile.Open(path, new PmemFileOptions
            {
                Mode = FileMode.CreateNew, Length = s.RefaultBytes, MaxLength = s.RefaultBytes + s.GrowStep,
                Preallocation = Preallocation.Sparse,
            });
            // The whole range stays pinned across the grow: the base address of a growable mapping never moves.
            using MemoryHandle pin = file.GetMemory(0, checked((int)s.RefaultBytes)).Pin();
            byte* address = (byte*)pin.Pointer;
            TouchPages(address, s.RefaultBytes);
            long t0 = Sys.Timestamp();
            file.Grow(s.RefaultBytes + s.GrowStep);
            double grow = Sys.SecondsSince(t0);
            long f0 = Sys.MinorFaults();
            t0 = Sys.Timestamp();
            TouchPages(address, s.RefaultBytes);
            double touch = Sys.SecondsSince(t0);
            return Result(grow, touch, Sys.MinorFaults() - f0, s.RefaultBytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double?[] RefaultRemap(string path, BenchSettings s)
    {
        File.Delete(path);
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
            stream.SetLength(s.RefaultBytes);
            Microsoft.Win32.SafeHandles.SafeFileHandle fd = stream.SafeFileHandle;
            byte* address = Map(fd, s.RefaultBytes);
            TouchPages(address, s.RefaultBytes);
            long t0 = Sys.Timestamp();
            stream.SetLength(s.RefaultBytes + s.GrowStep);
            munmap(address, (nuint)s.RefaultBytes);
            address = Map(fd, s.RefaultBytes + s.GrowStep);
            double grow = Sys.SecondsSince(t0);
            long f0 = Sys.MinorFaults();
            t0 = Sys.Timestamp();
            TouchPages(address, s.RefaultBytes);
            double touch = Sys.SecondsSince(t0);
            long faults = Sys.MinorFaults() - f0;
            munmap(address, (nuint)(s.RefaultBytes + s.GrowStep));
            return Result(grow, touch, faults, s.RefaultBytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte* Map(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long length)
    {
        void* address = mmap(null, (nuint)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (address == (void*)MAP_FAILED)
            throw new IOException($"mmap of {length} bytes failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        return (byte*)address;
    }

    private static double?[] RefaultMemoryMappedFile(string path, BenchSettings s)
    {
        File.Delete(path);
        try
        {
            var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, s.RefaultBytes, MemoryMappedFileAccess.ReadWrite);
            var view = mmf.CreateViewAccessor(0, s.RefaultBytes);
            WithPointer(view, p => TouchPages(p, s.RefaultBytes));
            long t0 = Sys.Timestamp();
            view.Dispose();
            mmf.Dispose();
            mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, s.RefaultBytes + s.GrowStep, MemoryMappedFileAccess.ReadWrite);
            view = mmf.CreateViewAccessor(0, s.RefaultBytes + s.GrowStep);
            double grow = Sys.SecondsSince(t0);
            long f0 = Sys.MinorFaults();
            t0 = Sys.Timestamp();
            WithPointer(view, p => TouchPages(p, s.RefaultBytes));
            double touch = Sys.SecondsSince(t0);
            long faults = Sys.MinorFaults() - f0;
            view.Dispose();
            mmf.Dispose();
            return Result(grow, touch, faults, s.RefaultBytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private delegate void PointerAction(byte* pointer);

    private static void WithPointer(MemoryMappedViewAccessor view, PointerAction action)
    {
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            action(p + view.PointerOffset);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>How far (either way) each quarter's median grow may be from the first quarter's and still count as independent of size.</summary>
    public const double GrowTolerance = 0.2;

    public static void AddFindings(BenchReport report, BenchDir dir)
    {
        report.Findings.Add(GrowthFinding(report.Table($"growth-{dir.Label}"), dir.Label));
        report.Findings.Add(RefaultFinding(report.Table($"refault-{dir.Label}"), dir.Label));
    }

    /// <summary>
    /// Every quarter's median grow within 20% of the first quarter's, both ways: a grow that gets
    /// much cheaper as the mapping grows (0.36x) is as much a dependence on size as one that gets dearer.
    /// </summary>
    public static Finding GrowthFinding(ResultTable? summary, string label)
    {
        string target = $"growth-{label}: grow cost independent of mapped size (every quarter's median within "
            + $"{Format.Percent(GrowTolerance)} of the first quarter's, either way)";
        if (summary is null || summary.Rows.Count < 2)
            return Finding.NotComputed(target, summary is null ? "no growth table" : $"{summary.Rows.Count} quarter(s) measured, need 2");
        double first = summary.Rows[0].Values[0] ?? double.NaN;
        if (!(first > 0))
            return Finding.NotComputed(target, $"first quarter median is {Format.Number(first)} us");
        var ratios = summary.Rows.Skip(1).Select(r => (r.Label, Ratio: (r.Values[0] ?? double.NaN) / first)).ToList();
        if (ratios.Any(r => double.IsNaN(r.Ratio)))
            return Finding.NotComputed(target, $"no median for {ratios.First(r => double.IsNaN(r.Ratio)).Label}");
        var worst = ratios.OrderByDescending(r => Math.Abs(Math.Log(r.Ratio))).First();
        return new Finding
        {
            Target = target,
            Measured = $"first quarter median {Format.Number(first)} us; others "
                + string.Join(", ", ratios.Select(r => Format.Ratio(r.Ratio))) + $"; furthest {worst.Label}: {Format.Ratio(worst.Ratio)}",
            Met = ratios.All(r => Math.Abs(r.Ratio - 1) <= GrowTolerance),
        };
    }

    /// <summary>
    /// After a grow the old region is not faulted again. The tolerance is stated in the target: a few
    /// faults during the touch loop are the thread's own (stack, runtime), not the mapping's.
    /// </summary>
    public static Finding RefaultFinding(ResultTable? refault, string label)
    {
        double grow = refault?.Get("PmemFile.Grow (fixed base)", "old-region faults") ?? double.NaN;
        double pages = refault?.Get("PmemFile.Grow (fixed base)", "old-region pages") ?? double.NaN;
        double mmf = refault?.Get("MemoryMappedFile new view", "old-region faults") ?? double.NaN;
        double mmfPages = refault?.Get("MemoryMappedFile new view", "old-region pages") ?? double.NaN;
        long tolerance = double.IsNaN(pages) ? 4 : RefaultTolerance((long)pages);
        string target = $"refault-{label}: the old region is not faulted again after a grow: at most {tolerance} faults "
            + $"(0.1% of its pages, at least 4: the thread's own) where MemoryMappedFile re-faults all of it";
        if (double.IsNaN(grow) || double.IsNaN(pages))
            return Finding.NotComputed(target, refault is null ? "no re-fault table" : "PmemFile.Grow row not measured");
        return new Finding
        {
            Target = target,
            Measured = $"PmemFile.Grow {grow:F0} faults for {pages:F0} pages; MemoryMappedFile "
                + (double.IsNaN(mmf) ? "n/a" : $"{mmf:F0} faults for {mmfPages:F0} pages"),
            Met = grow <= tolerance,
        };
    }

    public static long RefaultTolerance(long pages) => Math.Max(4, pages / 1000);
}
