namespace PmdkSharp;

/// <summary>Which implementation carries out mapping and persistence.</summary>
public enum PmemBackendKind
{
    /// <summary>The process default: PMDK when libpmem loads, the managed fallback otherwise (see <see cref="PmemRuntime"/>).</summary>
    Default = 0,
    /// <summary>PMDK's libpmem: its cache-line flushes and copies on persistent memory (the library maps the file itself on both backends).</summary>
    Pmdk = 1,
    /// <summary>The managed fallback: mmap and msync from .NET, no native dependency beyond libc.</summary>
    Managed = 2,
}
