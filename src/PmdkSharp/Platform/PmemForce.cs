using System;

namespace PmdkSharp.Platform;

/// <summary>
/// PMEM_IS_PMEM_FORCE, read once at start-up the way libpmem reads it, so both backends agree
/// on whether a mapping counts as persistent memory: 1 forces yes, 0 forces no.
/// </summary>
internal static class PmemForce
{
    public static readonly bool? Value = Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE") switch
    {
        "1" => true,
        "0" => false,
        _ => null,
    };

    /// <summary>The verdict for a mapping whose own evidence (MAP_SYNC) says <paramref name="detected"/>.</summary>
    public static bool Apply(bool detected) => Value ?? detected;
}
