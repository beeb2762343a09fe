namespace PmdkSharp;

/// <summary>Which implementation carries out mapping and persistence.</summary>
public enum PmemBackendKind
{
    /// <summary>The process default: PMDK when libpmem loads, the managed fallback otherwise (see <see cref="PmemRuntime"/>).</summary>
    Default = 0,
    /// <summary>PMDK's libpmem: cache-line flushes on persistent memory, pmem_map_file for fixed-size files.</summary>
    Pmdk = 1,
    /// <summary>The managed fallback: mmap and msync from .NET, no native dependency beyond libc.</summary>
    Managed = 2,
}
