using System;
using System.IO;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using PmdkSharp.Interop;

namespace PmdkSharp.Benchmarks;

/// <summary>Access without persisting: spans, AsRef, Write&lt;T&gt;, against a raw pointer; and a P/Invoke against a managed call.</summary>
public unsafe class AccessBenchmarks
{
    private PmemFile file = null!;
    private long* raw;

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine("/dev/shm", $"pmdksharp-bdn-access-{Environment.ProcessId}.bin");
        file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.Create, Length = 1 << 20, Prefault = PrefaultMode.PopulateWrite });
        File.Delete(path);
        raw = (long*)file.BaseAddress;
    }

    [GlobalCleanup]
    public void Cleanup() => file.Dispose();

    [Benchmark(Description = "GetSpan(64) + write 8 bytes")]
    public void SpanWrite() => Unsafe.WriteUnaligned(ref file.GetSpan(64, 64)[0], 42L);

    [Benchmark(Description = "AsRef<long> increment")]
    public void AsRefIncrement() => file.AsRef<long>(128)++;

    [Benchmark(Description = "Write<long>")]
    public void WriteLong() => file.Write(192, 42L);

    [Benchmark(Baseline = true, Description = "raw pointer increment")]
    public void RawIncrement() => raw[32]++;

    [Benchmark(Description = "P/Invoke pmem_has_hw_drain")]
    public int PInvoke() => Libpmem.pmem_has_hw_drain();

    [Benchmark(Description = "managed call (no inlining)")]
    public int ManagedCall() => NotInlined();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int NotInlined() => 0;
}
