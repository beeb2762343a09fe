using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PmdkSharp.FlushEngine;
using PmdkSharp.Interop;

namespace PmdkSharp.Benchmarks;

/// <summary>
/// The managed cache-line flusher (emitted CLWB/CLFLUSHOPT loop, non-temporal copies) against
/// libpmem's pmem_persist / pmem_memcpy_persist on the same /dev/shm mapping, libpmem as the
/// baseline of each category, so the Ratio column is "managed / libpmem".
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public unsafe class ManagedFlushBenchmarks
{
    private const long FileLength = 16 << 20;
    private MemoryMappedFile file = null!;
    private MemoryMappedViewAccessor view = null!;
    private CacheLineFlusher flusher = null!;
    private byte* address;
    private byte* record;
    private long offset;

    [Params(64, 256, 4096, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        CacheLineFlushSupport support = CacheLineFlushSupport.Current;
        flusher = support.Flusher ?? throw new InvalidOperationException(support.Reason);
        Console.WriteLine($"// managed flusher: {support.Reason}");
        string path = Path.Combine("/dev/shm", $"pmdksharp-bdn-flush-{Environment.ProcessId}.bin");
        file = MemoryMappedFile.CreateFromFile(path, FileMode.Create, null, FileLength);
        File.Delete(path); // the mapping keeps the memory until disposed
        view = file.CreateViewAccessor(0, FileLength);
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref address);
        new Span<byte>(address, (int)FileLength).Fill(1); // every page faulted in before timing
        record = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(65536, 64);
        new Span<byte>(record, 65536).Fill(7);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        file.Dispose();
        System.Runtime.InteropServices.NativeMemory.AlignedFree(record);
    }

    private byte* Next()
    {
        offset = (offset + Size) % FileLength;
        return address + offset;
    }

    [Benchmark(Description = "managed Persist"), BenchmarkCategory("persist")]
    public void ManagedPersist() => flusher.Persist(Next(), (nuint)Size);

    [Benchmark(Description = "pmem_persist", Baseline = true), BenchmarkCategory("persist")]
    public void LibpmemPersist() => Libpmem.pmem_persist(Next(), (nuint)Size);

    [Benchmark(Description = "managed CopyPersist"), BenchmarkCategory("copy-persist")]
    public void ManagedCopyPersist() => flusher.CopyPersist(Next(), record, (nuint)Size);

    [Benchmark(Description = "pmem_memcpy_persist", Baseline = true), BenchmarkCategory("copy-persist")]
    public void LibpmemCopyPersist() => Libpmem.pmem_memcpy_persist(Next(), record, (nuint)Size);
}
