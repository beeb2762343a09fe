using System;
using PmdkSharp.Durability;
using PmdkSharp.Mapping;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Backends;

/// <summary>
/// PMDK's libpmem: its cache-line flushes, drains and non-temporal copies on persistent memory (on
/// an eADR platform it skips the flushes itself). The library maps the file itself, as for the
/// managed backend: pmem_map_file would open the path a second time.
/// </summary>
internal sealed class PmdkBackend : Backend
{
    public static readonly PmdkBackend Instance = new();

    private PmdkBackend() { }

    public override PmemBackendKind Kind => PmemBackendKind.Pmdk;

    public override bool HasAutoFlush => LibpmemAutoFlush.Value;

    /// <summary>
    /// libpmem's answer, asked once. pmem_has_auto_flush walks /sys/bus/nd/devices on every call with
    /// fts, which is not safe from several threads at once (it answered 1 and then 0 in one process
    /// while other tests ran); the platform's persistence domain does not change while a process runs.
    /// </summary>
    internal static readonly Lazy<bool> LibpmemAutoFlush = new(() => pmem_has_auto_flush() == 1);

    protected override DurabilityStrategy ForPersistentMemory(FileMapping mapping, string path) => LibpmemFlushStrategy.Instance;

    protected override DurabilityStrategy ForDevice(DeviceDaxInfo device) => LibpmemFlushStrategy.Instance;
}
