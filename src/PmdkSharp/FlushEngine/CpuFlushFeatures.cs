using System.Runtime.Intrinsics.X86;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// The cache-flush instructions the CPU reports through CPUID (the same bits libpmem and the
/// kernel's /proc/cpuinfo flags clwb, clflushopt, clflush read).
/// </summary>
internal readonly record struct CpuFlushFeatures(bool Clflush, bool ClflushOpt, bool Clwb)
{
    /// <summary>Asks this CPU; all false where CPUID does not exist (not x86).</summary>
    public static CpuFlushFeatures Probe()
    {
        if (!X86Base.IsSupported)
            return default;
        int maxLeaf = X86Base.CpuId(0, 0).Eax;
        bool clflush = maxLeaf >= 1 && (X86Base.CpuId(1, 0).Edx & (1 << 19)) != 0;
        int leaf7Ebx = maxLeaf >= 7 ? X86Base.CpuId(7, 0).Ebx : 0;
        return new CpuFlushFeatures(clflush, (leaf7Ebx & (1 << 23)) != 0, (leaf7Ebx & (1 << 24)) != 0);
    }

    public override string ToString() =>
        $"clwb {(Clwb ? "yes" : "no")}, clflushopt {(ClflushOpt ? "yes" : "no")}, clflush {(Clflush ? "yes" : "no")}";
}
