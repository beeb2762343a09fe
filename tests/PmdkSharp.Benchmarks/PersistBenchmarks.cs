using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using PmdkSharp.Interop;

namespace PmdkSharp.Benchmarks;

/// <summary>
/// Persistence on an emulated-pmem file (tmpfs + PMEM_IS_PMEM_FORCE=1), each PmdkSharp call next
/// to the raw libpmem call it wraps, so the difference is the wrapper's cost.
/// </summary>
[MemoryDiagnoser]
public unsafe class PersistBenchmarks
{
    private const long FileLength = 16 << 20;
    private PmemFile file = null!;
    private byte[] record = null!;
    private byte* address;
    private long offset;

    [Params(64, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine("/dev/shm", $"pmdksharp-bdn-{Environment.ProcessId}.bin");
        file = PmemFile.Open(path, new PmemFileOptions
        {
            Mode = FileMode.Create, Length = FileLength, Prefault = PrefaultMode.PopulateWrite, Backend = PmemBackendKind.Pmdk,
        });
        File.Delete(path); // the mapping keeps the memory until disposed
        if (!file.IsPersistentMemory)
            throw new InvalidOperationException("run with PMEM_IS_PMEM_FORCE=1 (the benchmark job sets it)");
        record = new byte[Size];
        address = (byte*)file.BaseAddress;
    }

    [GlobalCleanup]
    public void Cleanup() => file.Dispose();

    private long Next()
    {
        offset = (offset + Size) % FileLength;
        return offset;
    }

    [Benchmark(Description = "PmemFile.Persist")]
    public void Persist() => file.Persist(Next(), Size);

    [Benchmark(Description = "pmem_persist (raw)")]
    public void RawPersist() => Libpmem.pmem_persist(address + Next(), (nuint)Size);

    [Benchmark(Description = "PmemFile.Flush + Drain")]
    public void FlushDrain()
    {
        file.Flush(Next(), Size);
        file.Drain();
    }

    [Benchmark(Description = "pmem_flush + pmem_drain (raw)")]
    public void RawFlushDrain()
    {
        Libpmem.pmem_flush(address + Next(), (nuint)Size);
        Libpmem.pmem_drain();
    }

    [Benchmark(Description = "PmemFile.CopyPersist")]
    public void CopyPersist() => file.CopyPersist(Next(), record);

    [Benchmark(Description = "PmemAccessScope.CopyPersist (x16 per scope)", OperationsPerInvoke = 16)]
    public void ScopeCopyPersist()
    {
        using PmemAccessScope scope = file.BeginAccess();
        for (int i = 0; i < 16; i++)
            scope.CopyPersist(Next(), record);
    }

    [Benchmark(Description = "PmemAccessScope.Persist (x16 per scope)", OperationsPerInvoke = 16)]
    public void ScopePersist()
    {
        using PmemAccessScope scope = file.BeginAccess();
        for (int i = 0; i < 16; i++)
            scope.Persist(Next(), Size);
    }

    [Benchmark(Description = "pmem_memcpy_persist (raw)")]
    public void RawCopyPersist()
    {
        fixed (byte* source = record)
            Libpmem.pmem_memcpy_persist(address + Next(), source, (nuint)Size);
    }
}
