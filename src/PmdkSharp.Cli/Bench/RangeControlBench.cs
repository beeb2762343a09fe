using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using static PmdkSharp.Interop.Libc; // the generator's bindings, compiled into this tool

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// Range control on a disk file system: cold-cache random 4 KiB reads with no hint, will-need advice
/// or a prefetch of what is about to be read, against MemoryMappedFile; and a log's disk usage over
/// time with and without discarding its consumed head.
/// </summary>
internal sealed class RangeControlBench : IBenchSection
{
    public string Name => "range-control";

    /// <summary>Disk directories only, in the tool's own process (cold reads need a page cache to drop).</summary>
    public int Steps(BenchContext context) => context.InEmulatedPmemChild ? 0 : Steps(context.Disks.Count());

    public void Run(BenchContext context, IProgressSink progress)
    {
        if (context.InEmulatedPmemChild)
            return;
        foreach (BenchDir d in context.Disks)
            Run(context.Report, d, context.Settings, progress);
    }

    private const int ReadSize = 4096;
    private const int BatchReads = 32;
    private const int ClusterBytes = 1 << 20;

    private static readonly string[] Modes = ["no hint", "Random (whole file)", "WillNeed", "Prefetch", "MemoryMappedFile (no hint)"];

    public static int Steps(int disks) => disks * (2 * Modes.Length + 3 + 2 * (ScatteredRounds - 1));

    /// <summary>The scattered Prefetch-vs-no-hint ratio, the finding's figure, is measured this often (interleaved): one run gave 6.05x, the next 2.77x.</summary>
    private const int ScatteredRounds = 3;

    public static void Run(BenchReport report, BenchDir dir, BenchSettings s, IProgressSink progress)
    {
        string path = dir.File("range-control.bin");
        try
        {
            progress.Step($"range control {dir.Label}: writing {Format.Bytes(s.FileBytes)}");
            WriteFile(path, s.FileBytes);
            var reads = new ResultTable
            {
                Id = $"cold-reads-{dir.Label}", LabelHeader = "hint",
                Title = $"Cold-cache random {ReadSize / 1024} KiB reads over {Format.Bytes(s.FileBytes)} on {dir.Label}",
                Note = $"The file's pages are evicted (fsync + POSIX_FADV_DONTNEED) before each row. Reads come in batches of {BatchReads} "
                    + "whose offsets are known ahead; the hint is given for the batch, then the batch is read (4 KiB copied out per read). "
                    + $"clustered: the batch is {BatchReads} random pages of one random {Format.Bytes(ClusterBytes)} range, hinted with one call "
                    + "over the range. scattered: the batch is random pages anywhere, hinted with one Advise per page (WillNeed) or one "
                    + "Prefetch call taking the batch's 32 ranges. Random: MemoryAdvice.Random over the whole file once, no per-batch hint "
                    + "(no read-around: a fault reads only its page).",
                Columns = ["clustered reads/s", "clustered vs no hint", "scattered reads/s", "scattered vs no hint"],
            };
            int batches = (int)Math.Clamp(s.FileBytes / ClusterBytes / 2, 8, 128);
            var results = new Dictionary<string, double[]>();
            foreach (string mode in Modes)
            {
                results[mode] = new double[2];
                foreach (bool clustered in new[] { true, false })
                {
                    progress.Step($"range control {dir.Label}: {(clustered ? "clustered" : "scattered")} reads, {mode}");
                    Evict(path);
                    results[mode][clustered ? 0 : 1] = ReadsPerSecond(path, s.FileBytes, mode, clustered, batches);
                }
            }
            double[] baseline = results[Modes[0]];
            foreach (string mode in Modes)
                reads.Add(mode, results[mode][0], results[mode][0] / baseline[0], results[mode][1], results[mode][1] / baseline[1]);
            report.Tables.Add(reads);
            // The finding rests on three interleaved measurements of the scattered ratio, not one.
            var scattered = new List<double> { results["Prefetch"][1] / baseline[1] };
            for (int round = 2; round <= ScatteredRounds; round++)
            {
                double[] pair = new double[2];
                foreach ((string mode, int k) in new[] { (Modes[0], 0), ("Prefetch", 1) })
                {
                    progress.Step($"range control {dir.Label}: scattered reads, {mode}, round {round}/{ScatteredRounds}");
                    Evict(path);
                    pair[k] = ReadsPerSecond(path, s.FileBytes, mode, clustered: false, batches);
                }
                scattered.Add(pair[1] / pair[0]);
            }
            const double Needed = 5;
            string rounds = string.Join(", ", scattered.Select(Format.Ratio));
            report.Findings.Add(new Finding
            {
                Target = $"{reads.Id}: prefetched cold random 4 KiB reads (scattered) >= 5x the unhinted ones, in each of {ScatteredRounds} rounds",
                Measured = (scattered.All(r => r >= Needed) || scattered.All(r => r < Needed) ? "" : "noise at this size (the rounds straddle 5x): ")
                    + $"scattered {rounds} (median {Format.Ratio(scattered.Median())}); clustered {Format.Ratio(results["Prefetch"][0] / baseline[0])}; "
                    + $"WillNeed clustered {Format.Ratio(results["WillNeed"][0] / baseline[0])}, scattered {Format.Ratio(results["WillNeed"][1] / baseline[1])}",
                Met = scattered.All(r => r >= Needed) ? true : scattered.All(r => r < Needed) ? false : null,
            });
        }
        finally
        {
            File.Delete(path);
        }

        progress.Step($"range control {dir.Label}: log without discard");
        var without = LogDiskUsage(path, s, discard: false);
        progress.Step($"range control {dir.Label}: log with discard");
        var with = LogDiskUsage(path, s, discard: true);
        var log = new ResultTable
        {
            Id = $"discard-log-{dir.Label}", LabelHeader = "appended",
            Title = $"A log's disk usage (st_blocks) as it appends {Format.Bytes(LogBytes(s))} on {dir.Label}",
            Note = $"Records of {Format.Bytes(LogRecord)} are appended and persisted; a consumer stays {Format.Bytes(LogLive)} behind. "
                + $"With discard, every {Format.Bytes(LogDiscardStep)} consumed is discarded (punch hole + fsync). "
                + $"Append rate, discards included: {Format.Number(without.MBps)} MB/s without, {Format.Number(with.MBps)} MB/s with.",
            Columns = ["disk MiB, no discard", "disk MiB, discard"],
        };
        for (int i = 0; i < Math.Min(without.Samples.Count, with.Samples.Count); i++)
            log.Add(Format.Bytes(without.Samples[i].Appended), without.Samples[i].DiskBytes / 1048576.0, with.Samples[i].DiskBytes / 1048576.0);
        report.Tables.Add(log);
        report.Findings.Add(new Finding
        {
            Target = $"{log.Id}: discarding the consumed head keeps the log's disk usage near its live window",
            Measured = $"at the end: {Format.Number(without.Samples[^1].DiskBytes / 1048576.0)} MiB without discard, "
                + $"{Format.Number(with.Samples[^1].DiskBytes / 1048576.0)} MiB with (live window {Format.Bytes(LogLive)}); "
                + $"append rate {Format.Number(without.MBps)} vs {Format.Number(with.MBps)} MB/s",
            Met = with.Samples[^1].DiskBytes <= 2 * (LogLive + LogDiscardStep),
        });
    }

    private static void WriteFile(string path, long bytes)
    {
        File.Delete(path);
        using var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.CreateNew, Length = bytes });
        var random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        for (long offset = 0; offset < bytes; offset += chunk.Length)
        {
            random.NextBytes(chunk);
            file.Write(offset, chunk.AsSpan(0, (int)Math.Min(chunk.Length, bytes - offset)));
        }
        file.Persist();
    }

    /// <summary>fsync, then drop the file's pages from the page cache: the next reads come from the disk.</summary>
    private static void Evict(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
        int error = posix_fadvise(stream.SafeFileHandle, 0, 0, POSIX_FADV_DONTNEED);
        if (error != 0)
            throw new IOException($"posix_fadvise(POSIX_FADV_DONTNEED) on {path} failed with {error}");
    }

    private static double ReadsPerSecond(string path, long fileBytes, string mode, bool clustered, int batches)
    {
        var random = new Random(clustered ? 11 : 13); // the same offsets for every mode
        long pages = fileBytes / ReadSize, clusterPages = ClusterBytes / ReadSize;
        var plan = new List<(long Cluster, long[] Offsets)>();
        for (int b = 0; b < batches; b++)
        {
            long cluster = random.NextInt64(fileBytes / ClusterBytes) * ClusterBytes;
            long[] offsets = Enumerable.Range(0, BatchReads)
                .Select(_ => clustered ? cluster + random.NextInt64(clusterPages) * ReadSize : random.NextInt64(pages) * ReadSize)
                .ToArray();
            plan.Add((cluster, offsets));
        }
        byte[] buffer = new byte[ReadSize];
        long checksum = 0;
        long t0;
        double seconds;
        if (mode.StartsWith("MemoryMappedFile", StringComparison.Ordinal))
        {
            using var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = mmf.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            t0 = Sys.Timestamp();
            foreach ((_, long[] offsets) in plan)
                foreach (long offset in offsets)
                {
                    view.ReadArray(offset, buffer, 0, ReadSize);
                    checksum += buffer[0];
                }
            seconds = Sys.SecondsSince(t0);
        }
        else
        {
            using var file = PmemFile.OpenExisting(path, readOnly: true);
            var ranges = new PmemRange[BatchReads];
            t0 = Sys.Timestamp();
            if (mode.StartsWith("Random", StringComparison.Ordinal))
                file.Advise(0, file.Length, MemoryAdvice.Random);
            foreach ((long cluster, long[] offsets) in plan)
            {
                if (mode == "WillNeed")
                {
                    if (clustered)
                        file.Advise(cluster, ClusterBytes, MemoryAdvice.WillNeed);
                    else
                        foreach (long offset in offsets)
                            file.Advise(offset, ReadSize, MemoryAdvice.WillNeed);
                }
                else if (mode == "Prefetch")
                {
                    if (clustered)
                        file.Prefetch(cluster, ClusterBytes);
                    else
                    {
                        for (int i = 0; i < offsets.Length; i++)
                            ranges[i] = new PmemRange(offsets[i], ReadSize);
                        file.Prefetch(ranges, FileAccess.Read);
                    }
                }
                foreach (long offset in offsets)
                {
                    file.Read(offset, buffer);
                    checksum += buffer[0];
                }
            }
            seconds = Sys.SecondsSince(t0);
        }
        GC.KeepAlive(checksum);
        return batches * BatchReads / seconds;
    }

    private const long LogRecord = 256 << 10;
    private const long LogLive = 8 << 20;
    private const long LogDiscardStep = 4 << 20;

    private static long LogBytes(BenchSettings s) => Math.Max(32L << 20, s.FileBytes / 4);

    /// <summary>Appends a log, consuming and optionally discarding behind it; samples st_blocks 16 times.</summary>
    private static (List<(long Appended, long DiskBytes)> Samples, double MBps) LogDiskUsage(string path, BenchSettings s, bool discard)
    {
        long total = LogBytes(s);
        File.Delete(path);
        var samples = new List<(long, long)>();
        try
        {
            using var log = PmemFile.Open(path, new PmemFileOptions
            {
                Mode = FileMode.CreateNew, Length = 16L << 20, MaxLength = total, Preallocation = Preallocation.Allocate,
            });
            byte[] record = new byte[LogRecord];
            new Random(17).NextBytes(record);
            long discarded = 0, sampleEvery = total / 16;
            double seconds = 0;
            for (long end = 0; end < total; end += LogRecord)
            {
                long t0 = Sys.Timestamp();
                if (end + LogRecord > log.Length)
                    log.Grow(Math.Min(total, log.Length + (16L << 20)));
                log.CopyPersist(end, record);
                long consumed = end + LogRecord - LogLive;
                if (discard && consumed - discarded >= LogDiscardStep)
                {
                    log.Discard(discarded, LogDiscardStep);
                    discarded += LogDiscardStep;
                }
                seconds += Sys.SecondsSince(t0);
                if ((end + LogRecord) % sampleEvery == 0)
                    samples.Add((end + LogRecord, Blocks(path) * 512));
            }
            return (samples, total / 1e6 / seconds);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static long Blocks(string path)
    {
        (int code, string output) = Sys.Run("stat", "--format=%b", path);
        return code == 0 ? long.Parse(output, CultureInfo.InvariantCulture) : throw new IOException($"stat {path}: {output}");
    }
}
