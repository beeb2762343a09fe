using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using System.Threading;
using PmdkSharp.Log;

namespace PmdkSharp.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- log-append --dir DIR [--seconds S] [--methods M,..] [--sizes 64,..] [--batches 1,16] [--threads 1,2] [--budget-mib 192]`: appends per second and p50/p99
/// latency of PmemLog against the same records through FileStream + Flush(true), through a
/// MemoryMappedFile view + Flush, and through a bare PmemFile.CopyPersist loop, for 64 B, 256 B and
/// 4 KiB records, single and in batches of 16, with 1 and 2 appender threads. Findings, not tests:
/// run it with PMEM_IS_PMEM_FORCE=1 on /dev/shm (emulated pmem) and without on ext4 (msync path).
/// </summary>
/// <remarks>
/// Every method writes the bytes the log writes (a 16-byte header, the payload, padding to 8) into
/// a file sized up front, so page faults and file growth are out of the figures. "copy-persist x2"
/// also persists an 8-byte tail per append or batch, as the log does; "copy-persist" persists only
/// the records; "copy-persist-x2-xxhash" also checksums each payload as the log does (the least a
/// checksummed log with a committed tail can do). Latency is per call (one record, or one batch of 16).
/// </remarks>
internal static class LogAppendRun
{
    private static long Budget = 192L << 20; // bytes one case may write (--budget-mib); it stops early when reached
    private const int BatchSize = 16;

    public static int Run(string[] args)
    {
        string dir = Argument(args, "--dir") ?? "/dev/shm";
        double seconds = double.Parse(Argument(args, "--seconds") ?? "0.4", CultureInfo.InvariantCulture);
        string[] methods = (Argument(args, "--methods") ?? "log,filestream,mmf,copy-persist,copy-persist-x2,copy-persist-x2-xxhash").Split(',');
        Budget = long.Parse(Argument(args, "--budget-mib") ?? "192", CultureInfo.InvariantCulture) << 20;
        Directory.CreateDirectory(dir);
        Console.WriteLine($"# log-append dir={dir} PMEM_IS_PMEM_FORCE={Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE") ?? ""} DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? ""} seconds={seconds} budget={Budget >> 20} MiB load={File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("method\tsize\tbatch\tthreads\tappends/s\tp50 us\tp99 us\tcpu us/call");
        foreach (int size in Numbers(args, "--sizes", "64,256,4096"))
            foreach (int batch in Numbers(args, "--batches", $"1,{BatchSize}"))
                foreach (int threads in Numbers(args, "--threads", "1,2"))
                {
                    var results = new Dictionary<string, (double Rate, double P50, double P99, double Cpu)>();
                    foreach (string method in methods)
                    {
                        (double rate, double p50, double p99, double cpu) = results[method] = Measure(method, dir, size, batch, threads, seconds);
                        Console.WriteLine(string.Join('\t', method, size, batch, threads, rate.ToString("F0", CultureInfo.InvariantCulture),
                            p50.ToString("F2", CultureInfo.InvariantCulture), p99.ToString("F2", CultureInfo.InvariantCulture), cpu.ToString("F2", CultureInfo.InvariantCulture)));
                    }
                    PrintRatios(results, size, batch, threads);
                }
        return 0;
    }

    /// <summary>
    /// One line per case, from the same run: how many times the log's rate and p50 beat each other
    /// method's (above 1: the log is faster), and the log's p50 and CPU per call over copy-persist-x2's.
    /// </summary>
    private static void PrintRatios(Dictionary<string, (double Rate, double P50, double P99, double Cpu)> results, int size, int batch, int threads)
    {
        if (!results.TryGetValue("log", out var log))
            return;
        var parts = new List<string>();
        foreach ((string method, var other) in results)
        {
            if (method == "log")
                continue;
            parts.Add(method.StartsWith("copy-persist", StringComparison.Ordinal)
                ? $"log/{method}: p50 {log.P50 / other.P50:F2}x cpu {log.Cpu / other.Cpu:F2}x"
                : $"vs {method}: rate {log.Rate / other.Rate:F1}x p50 {other.P50 / log.P50:F1}x p99 {other.P99 / log.P99:F1}x");
        }
        Console.WriteLine($"# ratios {size} B batch {batch} threads {threads}: {string.Join("; ", parts)}");
    }

    private static (double Rate, double P50, double P99, double CpuPerCall) Measure(string method, string dir, int size, int batch, int threads, double seconds)
    {
        string path = Path.Combine(dir, $"pmdksharp-logbench-{Environment.ProcessId}-{method}.bin");
        File.Delete(path);
        int recordSize = (16 + size + 7) & ~7;
        using IAppender appender = method switch
        {
            "log" => new LogAppender(path),
            "filestream" => new FileStreamAppender(path),
            "mmf" => new MappedFileAppender(path),
            "copy-persist" => new CopyPersistAppender(path, withTail: false),
            "copy-persist-x2" => new CopyPersistAppender(path, withTail: true),
            "copy-persist-x2-xxhash" => new CopyPersistAppender(path, withTail: true, checksum: true),
            _ => throw new ArgumentException($"unknown method {method}"),
        };
        try
        {
            byte[] payload = new byte[size];
            new Random(size).NextBytes(payload);
            var records = Enumerable.Repeat<ReadOnlyMemory<byte>>(payload, batch).ToArray();
            long perThreadBudget = Budget / threads / ((long)recordSize * batch);
            var latencies = new List<long>[threads];
            long appended = 0;
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int thread = t;
                latencies[t] = new List<long>(1 << 16);
                workers[t] = new Thread(() =>
                {
                    // Warm-up: enough calls and time for tiered compilation to reach the optimized code
                    // (on a loaded machine the background compiler waits for a core: half a second).
                    long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
                    for (int i = 0; i < 50 || (Stopwatch.GetTimestamp() < warm && i < perThreadBudget / 4); i++)
                        appender.Append(payload, records);
                    start.SignalAndWait();
                    long until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
                    long calls = 0;
                    List<long> mine = latencies[thread];
                    while (calls < perThreadBudget / 2)
                    {
                        long before = Stopwatch.GetTimestamp();
                        appender.Append(payload, records);
                        long after = Stopwatch.GetTimestamp();
                        mine.Add(after - before);
                        calls++;
                        if (after >= until)
                            break;
                    }
                    Interlocked.Add(ref appended, calls * records.Length);
                });
                workers[t].Start();
            }
            start.SignalAndWait();
            long begin = Stopwatch.GetTimestamp();
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (Thread worker in workers)
                worker.Join();
            double elapsed = (Stopwatch.GetTimestamp() - begin) / (double)Stopwatch.Frequency;
            // Process CPU time per call: on a loaded machine wall time includes waiting for a core; this does not.
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
            long[] all = latencies.SelectMany(l => l).ToArray();
            Array.Sort(all);
            double ToMicroseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
            return (appended / elapsed, ToMicroseconds(all[all.Length / 2]), ToMicroseconds(all[(int)(all.Length * 0.99)]), cpu / all.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int[] Numbers(string[] args, string name, string defaults) =>
        (Argument(args, name) ?? defaults).Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private interface IAppender : IDisposable
    {
        /// <summary>Appends one record (records.Length == 1) or a batch, durably.</summary>
        void Append(byte[] payload, ReadOnlyMemory<byte>[] records);
    }

    private sealed class LogAppender : IAppender
    {
        private readonly PmemLog log;

        public LogAppender(string path) => log = PmemLog.Open(path, new PmemLogOptions
        {
            Mode = FileMode.CreateNew, Length = Budget + (16 << 20), MaxLength = Budget + (16 << 20), Prefault = PrefaultMode.PopulateWrite,
        });

        public void Append(byte[] payload, ReadOnlyMemory<byte>[] records)
        {
            if (records.Length == 1)
                log.Append(payload);
            else
                log.AppendBatch(records);
        }

        public void Dispose() => log.Dispose();
    }

    /// <summary>Reserves contiguous space for a call (shared by the threads), as the log does.</summary>
    private abstract class ReservingAppender : IAppender
    {
        private long next;

        protected long Reserve(long bytes) => Interlocked.Add(ref next, bytes) - bytes;

        protected static int Frame(byte[] payload, Span<byte> target, long checksumSeed = -1)
        {
            BitConverter.TryWriteBytes(target, payload.Length);
            BitConverter.TryWriteBytes(target[4..], ~payload.Length);
            BitConverter.TryWriteBytes(target[8..], checksumSeed < 0 ? 0x0123456789ABCDEFUL : System.IO.Hashing.XxHash3.HashToUInt64(payload, checksumSeed));
            payload.CopyTo(target[16..]);
            int size = (16 + payload.Length + 7) & ~7;
            target[(16 + payload.Length)..size].Clear();
            return size;
        }

        public abstract void Append(byte[] payload, ReadOnlyMemory<byte>[] records);

        public abstract void Dispose();
    }

    /// <summary>FileStream (unbuffered) writes of the framed records, then Flush(true) (fsync); one lock, as one stream is shared.</summary>
    private sealed class FileStreamAppender : ReservingAppender
    {
        private readonly FileStream stream;
        private readonly object gate = new();
        [ThreadStatic] private static byte[]? buffer;

        public FileStreamAppender(string path)
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            stream.SetLength(Budget + (16 << 20));
        }

        public override void Append(byte[] payload, ReadOnlyMemory<byte>[] records)
        {
            buffer ??= new byte[BatchSize * (4096 + 24)];
            int length = 0;
            foreach (ReadOnlyMemory<byte> _ in records)
                length += Frame(payload, buffer.AsSpan(length));
            lock (gate)
            {
                stream.Position = Reserve(length);
                stream.Write(buffer, 0, length);
                stream.Flush(flushToDisk: true);
            }
        }

        public override void Dispose() => stream.Dispose();
    }

    /// <summary>A MemoryMappedFile view: framed records copied in, then the view's Flush (msync of the whole view).</summary>
    private sealed class MappedFileAppender : ReservingAppender
    {
        private readonly MemoryMappedFile file;
        private readonly MemoryMappedViewAccessor view;
        [ThreadStatic] private static byte[]? buffer;

        public MappedFileAppender(string path)
        {
            file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, Budget + (16 << 20));
            view = file.CreateViewAccessor();
        }

        public override void Append(byte[] payload, ReadOnlyMemory<byte>[] records)
        {
            buffer ??= new byte[BatchSize * (4096 + 24)];
            int length = 0;
            foreach (ReadOnlyMemory<byte> _ in records)
                length += Frame(payload, buffer.AsSpan(length));
            view.WriteArray(Reserve(length), buffer, 0, length);
            view.Flush();
        }

        public override void Dispose()
        {
            view.Dispose();
            file.Dispose();
        }
    }

    /// <summary>
    /// The floor: the same framed bytes through PmemFile.CopyPersist, optionally plus an 8-byte tail
    /// persist per call, and optionally with the log's checksum (XxHash3 of the payload) in each header.
    /// </summary>
    private sealed class CopyPersistAppender : ReservingAppender
    {
        private readonly PmemFile file;
        private readonly bool withTail;
        private readonly bool checksum;
        [ThreadStatic] private static byte[]? buffer;

        public CopyPersistAppender(string path, bool withTail, bool checksum = false)
        {
            this.withTail = withTail;
            this.checksum = checksum;
            file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.CreateNew, Length = Budget + (16 << 20), Prefault = PrefaultMode.PopulateWrite });
        }

        public override void Append(byte[] payload, ReadOnlyMemory<byte>[] records)
        {
            buffer ??= new byte[BatchSize * (4096 + 24)];
            int length = 0;
            foreach (ReadOnlyMemory<byte> _ in records)
                length += Frame(payload, buffer.AsSpan(length), checksum ? length : -1);
            long at = Reserve(length) + 4096;
            file.CopyPersist(at, buffer.AsSpan(0, length));
            if (withTail)
            {
                Span<byte> tail = stackalloc byte[sizeof(long)];
                BitConverter.TryWriteBytes(tail, at + length);
                file.CopyPersist(64, tail);
            }
        }

        public override void Dispose() => file.Dispose();
    }
}
