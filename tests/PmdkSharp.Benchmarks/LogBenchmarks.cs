using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using PmdkSharp.Log;

namespace PmdkSharp.Benchmarks;

/// <summary>
/// One durable append on emulated pmem (/dev/shm, PMEM_IS_PMEM_FORCE=1 from the job): PmemLog
/// next to the same framed bytes through FileStream + Flush(true), a MemoryMappedFile view + Flush,
/// and bare PmemFile.CopyPersist (the record alone, and the record plus an 8-byte tail as the log
/// writes). `log-append` (LogAppendRun.cs) adds batches, two threads, ext4 and p99 latency.
/// </summary>
[MemoryDiagnoser]
public class LogBenchmarks
{
    private const long Region = 64 << 20; // each target wraps (the log truncates) within this
    private PmemLog log = null!;
    private PmemFile file = null!;
    private FileStream stream = null!;
    private MemoryMappedFile mapped = null!;
    private MemoryMappedViewAccessor view = null!;
    private byte[] payload = null!;
    private byte[] framed = null!;
    private long offset;
    private readonly string prefix = Path.Combine("/dev/shm", $"pmdksharp-bdn-log-{Environment.ProcessId}");

    [Params(64, 256, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        log = PmemLog.Open(prefix + ".log", new PmemLogOptions { Mode = FileMode.Create, Length = Region + (1 << 20), MaxLength = Region + (1 << 20), Prefault = PrefaultMode.PopulateWrite });
        file = PmemFile.Open(prefix + ".bin", new PmemFileOptions { Mode = FileMode.Create, Length = Region + 8192, Prefault = PrefaultMode.PopulateWrite });
        stream = new FileStream(prefix + ".fs", FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        stream.SetLength(Region + 8192);
        mapped = MemoryMappedFile.CreateFromFile(prefix + ".mmf", FileMode.Create, null, Region + 8192);
        view = mapped.CreateViewAccessor();
        if (!log.IsPersistentMemory)
            throw new InvalidOperationException("run with PMEM_IS_PMEM_FORCE=1 (the benchmark job sets it)");
        payload = new byte[Size];
        new Random(Size).NextBytes(payload);
        framed = new byte[(16 + Size + 7) & ~7];
        payload.CopyTo(framed, 16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        log.Dispose();
        file.Dispose();
        stream.Dispose();
        view.Dispose();
        mapped.Dispose();
        foreach (string suffix in new[] { ".log", ".bin", ".fs", ".mmf" })
            File.Delete(prefix + suffix);
    }

    private long Next()
    {
        offset += framed.Length;
        if (offset + framed.Length > Region)
            offset = 0;
        return offset;
    }

    [Benchmark(Baseline = true, Description = "PmemLog.Append")]
    public LogPosition Append()
    {
        if (log.End.Offset + framed.Length > Region)
            log.Truncate(log.Start);
        return log.Append(payload);
    }

    [Benchmark(Description = "CopyPersist (record)")]
    public void CopyPersist() => file.CopyPersist(4096 + Next(), framed);

    [Benchmark(Description = "CopyPersist (record + tail)")]
    public void CopyPersistWithTail()
    {
        long at = 4096 + Next();
        file.CopyPersist(at, framed);
        Span<byte> tail = stackalloc byte[sizeof(long)];
        BitConverter.TryWriteBytes(tail, at + framed.Length);
        file.CopyPersist(64, tail);
    }

    [Benchmark(Description = "FileStream + Flush(true)")]
    public void FileStreamFlush()
    {
        stream.Position = Next();
        stream.Write(framed);
        stream.Flush(flushToDisk: true);
    }

    [Benchmark(Description = "MemoryMappedFile + Flush")]
    public void MappedFileFlush()
    {
        view.WriteArray(Next(), framed, 0, framed.Length);
        view.Flush();
    }
}
