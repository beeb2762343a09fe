using System;
using PmdkSharp.Durability;
using PmdkSharp.FlushEngine;
using PmdkSharp.Mapping;
using PmdkSharp.Platform;

namespace PmdkSharp.Backends;

/// <summary>
/// The managed fallback: no native dependency beyond libc. On persistent memory it flushes cache
/// lines with a few bytes of machine code of its own (<see cref="CacheLineFlusher"/>), and falls
/// back to msync where it has none (another architecture, executable memory refused).
/// </summary>
internal sealed unsafe class ManagedBackend : Backend
{
    public static readonly ManagedBackend Instance = new();

    private ManagedBackend() { }

    public override PmemBackendKind Kind => PmemBackendKind.Managed;

    public override bool HasAutoFlush => AutoFlushProbe.PlatformHasAutoFlush;

    /// <summary>
    /// Device DAX needs the cache-line flusher: msync, the fallback on file-system DAX, fails with
    /// EINVAL there, so without it nothing could be made durable. Refused read-only too: every
    /// mapping gets its durability strategy at open, and there is none to give.
    /// </summary>
    public override void CheckDevice(DeviceDaxInfo device)
    {
        CacheLineFlushSupport support = CacheLineFlushSupport.Current;
        if (!support.IsAvailable)
            throw new PlatformNotSupportedException(
                $"Cannot map device DAX '{device.Path}' with the managed backend: persistence there needs cache-line flushes "
                + $"(msync answers EINVAL on device DAX), and {support.Reason}. Use the PMDK backend (libpmem).");
    }

    // No usable flush instruction: msync is correct on file-system DAX too, page by page (CacheLineFlushSupport.Current.Reason says why).
    protected override DurabilityStrategy ForPersistentMemory(FileMapping mapping, string path) =>
        CacheLineFlushSupport.Current.Flusher is { } flusher
            ? new ManagedFlushStrategy(flusher, AutoFlushProbe.PlatformHasAutoFlush)
            : new MsyncStrategy(path, mapping.Base);

    // The device's own region says whether its persistence domain holds the CPU caches (eADR).
    protected override DurabilityStrategy ForDevice(DeviceDaxInfo device) =>
        new ManagedFlushStrategy(
            CacheLineFlushSupport.Current.Flusher ?? throw new InvalidOperationException($"No cache-line flusher for device DAX '{device.Path}'."),
            device.HasAutoFlush);
}
