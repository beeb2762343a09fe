namespace PmdkSharp;

/// <summary>
/// A snapshot of the runtime's choices, from <see cref="PmemRuntime.GetDiagnostics"/>. A class
/// with init-only properties, so later versions can add members without breaking callers.
/// </summary>
public sealed class PmemDiagnostics
{
    /// <summary>The default backend (see <see cref="PmemRuntime.DefaultBackend"/>).</summary>
    public PmemBackendKind Backend { get; init; }

    /// <summary>Why that backend was chosen (and, for the fallback, why PMDK was not).</summary>
    public string Reason { get; init; } = "";

    /// <summary>The libpmem file loaded (or tried, for an explicit path), or null.</summary>
    public string? LibpmemPath { get; init; }

    /// <summary>Where libpmem came from.</summary>
    public NativeLibrarySource LibpmemSource { get; init; }

    /// <summary>The libpmem API version that passed pmem_check_version, or null.</summary>
    public string? LibpmemVersion { get; init; }

    /// <summary>Why libpmem cannot be used, or null when it can.</summary>
    public string? PmdkUnavailableReason { get; init; }

    /// <summary>The libpmem2 file loaded, or null.</summary>
    public string? Libpmem2Path { get; init; }

    /// <summary>Where libpmem2 came from.</summary>
    public NativeLibrarySource Libpmem2Source { get; init; }

    /// <summary>pmem_has_hw_drain, or null without libpmem.</summary>
    public bool? HasHardwareDrain { get; init; }

    /// <summary>Whether the platform flushes caches on power loss (pmem_has_auto_flush).</summary>
    public bool HasAutoFlush { get; init; }

    /// <summary>
    /// What the managed backend flushes cache lines with on persistent memory (the instruction it
    /// emitted and checked), or why it cannot and falls back to msync.
    /// </summary>
    public string ManagedCacheLineFlush { get; init; } = "";

    /// <summary>PMEM_IS_PMEM_FORCE: true/false when set to 1/0, null when unset.</summary>
    public bool? PmemForced { get; init; }

    /// <summary>
    /// The device-DAX devices the kernel offers, with size, alignment and persistence domain
    /// (empty where there are none). Read from sysfs when the snapshot is taken.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<DeviceDaxDevice> DeviceDaxDevices { get; init; } = [];

    /// <summary>The snapshot on one line, for logs.</summary>
    public override string ToString() =>
        $"Backend = {Backend} ({Reason}); libpmem {LibpmemVersion ?? "unavailable"} from {LibpmemPath ?? "nowhere"} ({LibpmemSource})" +
        $"{(PmdkUnavailableReason is null ? "" : $": {PmdkUnavailableReason}")}; libpmem2 from {Libpmem2Path ?? "nowhere"} ({Libpmem2Source}); " +
        $"hardware drain {HasHardwareDrain?.ToString() ?? "unknown"}, auto flush {HasAutoFlush}, PMEM_IS_PMEM_FORCE {PmemForced?.ToString() ?? "unset"}; " +
        $"device DAX: {(DeviceDaxDevices.Count == 0 ? "none" : string.Join(", ", DeviceDaxDevices))}";
}
