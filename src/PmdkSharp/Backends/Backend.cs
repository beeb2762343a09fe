using Microsoft.Win32.SafeHandles;
using PmdkSharp.CrashSimulation;
using PmdkSharp.Durability;
using PmdkSharp.Mapping;
using PmdkSharp.Platform;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Backends;

/// <summary>
/// One way of mapping and persisting, chosen once when a file is opened: PMDK's libpmem
/// (<see cref="PmdkBackend"/>), the managed fallback (<see cref="ManagedBackend"/>), or a crash
/// simulation over either (<see cref="SimulatedBackend"/>). It answers every question that differs
/// between them (how to map, whether a device can be persisted to, which durability strategy a
/// mapping gets), so nothing else asks which backend or whether a simulator is in use.
/// </summary>
internal abstract unsafe class Backend
{
    /// <summary>The backend for one open: its own option, else the process default, and the simulated one when a crash simulator is given.</summary>
    /// <exception cref="PmemBackendUnavailableException">PMDK was asked for and libpmem cannot be loaded.</exception>
    public static Backend For(PmemFileOptions options)
    {
        Backend chosen = Of(BackendSelector.For(options.Backend));
        return options.CrashSimulator is { } simulator ? new SimulatedBackend(simulator, chosen) : chosen;
    }

    /// <summary>The backend of a resolved kind (never <see cref="PmemBackendKind.Default"/>).</summary>
    public static Backend Of(PmemBackendKind kind) => kind == PmemBackendKind.Pmdk ? PmdkBackend.Instance : ManagedBackend.Instance;

    /// <summary>What <see cref="PmemFile.Backend"/> reports.</summary>
    public abstract PmemBackendKind Kind { get; }

    /// <summary>Whether the platform flushes CPU caches on power loss (eADR), by this backend's own test.</summary>
    public abstract bool HasAutoFlush { get; }

    /// <summary>
    /// Maps [0, length) of the file at an address aligned to <paramref name="alignment"/> where one
    /// can be had: shared, MAP_SYNC first, which only succeeds on DAX, where it makes cache-line
    /// flushes enough to persist; plain MAP_SHARED where the kernel refuses it. On failure the
    /// address is null and the errno set, nothing having changed.
    /// </summary>
    public virtual MappedRange MapFile(nuint length, nuint alignment, int protection, SafeFileHandle file)
    {
        byte* address = AddressSpace.TryMapFile(length, alignment, protection, MAP_SHARED_VALIDATE | MAP_SYNC, file, out int errno);
        if (errno != EOPNOTSUPP && errno != EINVAL)
            return new MappedRange(address, errno, mapSync: true, isPmem: PmemForce.Apply(true));
        address = AddressSpace.TryMapFile(length, alignment, protection, MAP_SHARED, file, out errno);
        return new MappedRange(address, errno, mapSync: false, isPmem: PmemForce.Apply(false));
    }

    /// <summary>Refuses, before it is opened, a device-DAX device this backend cannot make anything durable on.</summary>
    public virtual void CheckDevice(DeviceDaxInfo device)
    {
    }

    /// <summary>
    /// The strategy of a mapping just made: msync where it is not persistent memory, this backend's
    /// cache-line flushes where it is, and cache-line flushes only on device DAX (msync(MS_SYNC) and
    /// fsync answer EINVAL there).
    /// </summary>
    public virtual DurabilityStrategy CreateStrategy(FileMapping mapping, string path) =>
        mapping.Device is { } device ? ForDevice(device)
        : mapping.IsPmem ? ForPersistentMemory(mapping, path)
        : new MsyncStrategy(path, mapping.Base, mapping.UsesMapSync ? null : mapping.Handle.File.SafeFileHandle);

    /// <summary>The strategy on persistent memory reached through a file system (or forced).</summary>
    protected abstract DurabilityStrategy ForPersistentMemory(FileMapping mapping, string path);

    /// <summary>The strategy on a device-DAX device, which <see cref="CheckDevice"/> accepted.</summary>
    protected abstract DurabilityStrategy ForDevice(DeviceDaxInfo device);

    /// <summary>Told of every file opened with this backend, once it is ready to use.</summary>
    public virtual void Opened(PmemFile file)
    {
    }
}

/// <summary>The outcome of <see cref="Backend.MapFile"/>: the address (null on failure) and errno, whether MAP_SYNC held, and whether the mapping counts as persistent memory.</summary>
internal readonly unsafe struct MappedRange(byte* address, int errno, bool mapSync, bool isPmem)
{
    public byte* Address { get; } = address;

    public int Errno { get; } = errno;

    public bool MapSync { get; } = mapSync;

    public bool IsPmem { get; } = isPmem;
}
