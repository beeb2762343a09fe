namespace PmdkSharp.FlushEngine;

/// <summary>
/// The x86-64 instruction that writes a cache line back to the persistence domain, in the order
/// libpmem prefers them: CLWB keeps the line cached, CLFLUSHOPT evicts it but may be reordered
/// (both need an SFENCE to complete), CLFLUSH evicts and is ordered with other stores.
/// </summary>
internal enum FlushInstruction
{
    /// <summary>No usable instruction: not x86-64, or the CPU reports none.</summary>
    None,

    /// <summary>CLFLUSH (CPUID leaf 1, EDX bit 19), present on every x86-64 CPU.</summary>
    Clflush,

    /// <summary>CLFLUSHOPT (CPUID leaf 7, EBX bit 23).</summary>
    ClflushOpt,

    /// <summary>CLWB (CPUID leaf 7, EBX bit 24).</summary>
    Clwb,
}
