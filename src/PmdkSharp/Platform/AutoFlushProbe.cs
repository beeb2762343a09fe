using System.IO;

namespace PmdkSharp.Platform;

/// <summary>
/// Whether the platform flushes CPU caches on power loss (eADR), read the way the kernel
/// reports it: every nvdimm region's persistence_domain is "cpu_cache".
/// </summary>
internal static class AutoFlushProbe
{
    private const string RegionsDirectory = "/sys/bus/nd/devices";

    public static readonly bool PlatformHasAutoFlush = Probe();

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
