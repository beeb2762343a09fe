namespace PmdkSharp;

/// <summary>
/// A device-DAX device the kernel offers (<c>/dev/daxX.Y</c>), as listed by
/// <see cref="PmemDiagnostics.DeviceDaxDevices"/>; <see cref="PmemFile.Open"/> maps one whole.
/// </summary>
public sealed class DeviceDaxDevice
{
    /// <summary>The device node, e.g. <c>/dev/dax0.0</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>Bytes it maps (sysfs <c>size</c>): the <see cref="PmemFile.Length"/> of a mapping of it.</summary>
    public long Size { get; init; }

    /// <summary>Mapping addresses and lengths are multiples of this (sysfs <c>align</c>, usually 2 MiB).</summary>
    public long Alignment { get; init; }

    /// <summary>
    /// Its NVDIMM region's persistence domain: <c>cpu_cache</c> (eADR: stores are durable once
    /// visible), <c>memory_controller</c> (ADR: cache lines must be flushed), or null where the
    /// region does not say (PMDK then assumes ADR).
    /// </summary>
    public string? PersistenceDomain { get; init; }

    /// <summary>The device on one line, for logs.</summary>
    public override string ToString() =>
        $"{Path}: {Size} bytes, {Alignment}-byte alignment, persistence domain {PersistenceDomain ?? "unknown"}";
}
