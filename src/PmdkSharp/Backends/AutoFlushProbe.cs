using System.IO;

namespace PmdkSharp.Backends;

/// <summary>
/// Whether the platform flushes CPU caches on power loss (eADR), read the way the kernel
/// reports it: every nvdimm region's persistence_domain is "cpu_cache".
/// </summary>
internal static class AutoFlushProbe
{
    private const string RegionsDirectory = "/sys/bus/nd/devices";

    public static readonly bool PlatformHasAutoFlush = Probe();

    /// <summary>What <paramref name="backend"/> reports: libpmem's own verdict, or the kernel's where libpmem is not used.</summary>
    public static bool For(PmemBackendKind backend) =>
        backend == PmemBackendKind.Pmdk ? Interop.Libpmem.pmem_has_auto_flush() == 1 : PlatformHasAutoFlush;

    private static bool Probe()
    {
        try
        {
            if (!Directory.Exists(RegionsDirectory))
                return false;
            bool anyRegion = false;
            foreach (string region in Directory.EnumerateDirectories(RegionsDirectory, "region*"))
            {
                string domain = Path.Combine(region, "persistence_domain");
                if (!File.Exists(domain))
                    continue;
                anyRegion = true;
                if (File.ReadAllText(domain).Trim() != "cpu_cache")
                    return false;
            }
            return anyRegion;
        }
        catch (IOException)
        {
            return false;
        }
        catch (System.UnauthorizedAccessException)
        {
            return false;
        }
    }
}
