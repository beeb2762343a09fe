using System;
using System.Runtime.InteropServices;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// Whether this process can persist at cache-line granularity without libpmem, decided once:
/// the CPU's flush instructions (CPUID, PMEM_NO_CLWB / PMEM_NO_CLFLUSHOPT honoured), the code
/// page (refused under W^X policies), and a self-test. <see cref="Reason"/> is the sentence for
/// diagnostics either way, so a strategy can fall back to msync quoting it (fsdax) or throw with
/// it (device DAX, where msync fails with EINVAL).
/// </summary>
internal sealed class CacheLineFlushSupport
{
    private static readonly Lazy<CacheLineFlushSupport> Shared = new(() =>
        Create(RuntimeInformation.ProcessArchitecture, CpuFlushFeatures.Probe(), FlushSettings.FromEnvironment(), default));

    private CacheLineFlushSupport(CacheLineFlusher? flusher, FlushInstruction instruction, string reason)
    {
        Flusher = flusher;
        Instruction = instruction;
        Reason = reason;
    }

    /// <summary>This process's verdict (probed, placed and self-tested at first use).</summary>
    public static CacheLineFlushSupport Current => Shared.Value;

    /// <summary>The flusher, or null when managed cache-line flushing is not available.</summary>
    public CacheLineFlusher? Flusher { get; }

    public bool IsAvailable => Flusher is not null;

    /// <summary>The instruction chosen (even when the code page was then refused), or None.</summary>
    public FlushInstruction Instruction { get; }

    /// <summary>Which instruction and copy method are used, or why none is.</summary>
    public string Reason { get; }

    /// <summary>
    /// The verdict for a given machine: tests pass other architectures, CPUs, settings and
    /// refusals here; <see cref="Current"/> passes this process's.
    /// </summary>
    internal static unsafe CacheLineFlushSupport Create(Architecture architecture, CpuFlushFeatures cpu, FlushSettings settings, CodePageFaults faults)
    {
        if (architecture != Architecture.X64)
            return Unavailable(FlushInstruction.None,
                $"managed cache-line flushing is implemented for x86-64 only; this process runs on {architecture} "
                + "(aarch64 would need DC CVAP, or DC CVAC before ARMv8.2, per line and DSB ISH to drain)");

        (FlushInstruction instruction, string chosen) = settings.Choose(cpu);
        if (instruction == FlushInstruction.None)
            return Unavailable(instruction, $"managed cache-line flushing unavailable: {chosen}");

        FlushCode layout = FlushCodeEmitter.Emit(instruction);
        ExecutableCode? code = ExecutableCode.TryCreate(layout.Bytes, faults, out string? failure);
        if (code is null)
            return Unavailable(instruction, $"managed cache-line flushing unavailable ({chosen} present): {failure}");

        var flusher = new CacheLineFlusher(code, layout, instruction, !settings.NoMovnt, settings.MovntThreshold);
        string? selfTest = SelfTest(flusher);
        if (selfTest is not null)
        {
            flusher.Dispose();
            return Unavailable(instruction, $"managed cache-line flushing unavailable: self-test failed: {selfTest}");
        }
        string copies = flusher.UsesNonTemporalStores
            ? $"non-temporal copies from {flusher.MovntThreshold} B ({NonTemporalStores.Width})"
            : "copies flushed line by line (PMEM_NO_MOVNT=1)";
        return new CacheLineFlushSupport(flusher, instruction, $"{chosen} + SFENCE from an r-x code page (self-test passed); {copies}");
    }

    private static CacheLineFlushSupport Unavailable(FlushInstruction instruction, string reason) => new(null, instruction, reason);

    /// <summary>
    /// Runs every routine once over a known pattern: the flushes must leave the bytes as they
    /// were, the copy and fill (both the flushed and the streaming path) must produce them.
    /// A wrong instruction would fault (SIGILL) here rather than on a user's data.
    /// </summary>
    private static unsafe string? SelfTest(CacheLineFlusher flusher)
    {
        const int Length = 1024;
        byte* buffer = (byte*)NativeMemory.AlignedAlloc(3 * Length, CacheLines.Size);
        try
        {
            byte* source = buffer, copy = buffer + Length, fill = buffer + 2 * Length;
            for (int i = 0; i < Length; i++)
                source[i] = (byte)(i * 7 + 1);
            flusher.Flush(source + 3, Length - 3);
            flusher.Drain();
            flusher.Persist(source, Length);
            for (int i = 0; i < Length; i++)
                if (source[i] != (byte)(i * 7 + 1))
                    return $"flushing changed byte {i}";
            flusher.CopyPersist(copy + 5, source + 5, Length - 5); // streaming, unaligned head
            flusher.CopyPersist(copy, source, 5);                  // flushed
            flusher.FillPersist(fill + 1, 0xA5, Length - 1);
            flusher.FillPersist(fill, 0x5A, 1);
            if (!new ReadOnlySpan<byte>(copy, Length).SequenceEqual(new ReadOnlySpan<byte>(source, Length)))
                return "a copy came out wrong";
            if (fill[0] != 0x5A || new ReadOnlySpan<byte>(fill + 1, Length - 1).IndexOfAnyExcept((byte)0xA5) >= 0)
                return "a fill came out wrong";
            return null;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }
}
