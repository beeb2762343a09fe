using System;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Backends;
using PmdkSharp.Durability;
using PmdkSharp.Mapping;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.CrashSimulation;

/// <summary>
/// A crash simulation over another backend: the file is mapped copy-on-write, so stores stay in
/// this process until a persist writes exactly its range to the file (<see cref="SimulatedPersistStrategy"/>),
/// and the simulator can drop the rest at a crash. One instance per open, made when options carry
/// a <see cref="CrashSimulator"/>: it hands the simulator the file and the strategy it made for it.
/// </summary>
internal sealed unsafe class SimulatedBackend(CrashSimulator simulator, Backend simulated) : Backend
{
    private SimulatedPersistStrategy? strategy;

    /// <summary>The backend the file would have had without the simulation.</summary>
    public override PmemBackendKind Kind => simulated.Kind;

    public override bool HasAutoFlush => simulated.HasAutoFlush;

    /// <summary>Copy-on-write (MAP_PRIVATE): stores reach the file only through the strategy's writes. Counts as persistent memory.</summary>
    public override MappedRange MapFile(nuint length, nuint alignment, int protection, SafeFileHandle file)
    {
        byte* address = AddressSpace.TryMapFile(length, alignment, protection, MAP_PRIVATE, file, out int errno);
        return new MappedRange(address, errno, mapSync: false, isPmem: true);
    }

    public override void CheckDevice(DeviceDaxInfo device) =>
        throw new NotSupportedException(
            $"A crash simulation cannot map device DAX '{device.Path}': it maps copy-on-write (MAP_PRIVATE), which device DAX refuses (EINVAL). "
            + "Simulate crashes on a file (tmpfs, or a DAX file system) instead.");

    public override DurabilityStrategy CreateStrategy(FileMapping mapping, string path) =>
        strategy = new SimulatedPersistStrategy(simulator, mapping.Handle.File.SafeFileHandle, mapping.Base, path);

    protected override DurabilityStrategy ForPersistentMemory(FileMapping mapping, string path) => CreateStrategy(mapping, path);

    protected override DurabilityStrategy ForDevice(DeviceDaxInfo device) => throw new NotSupportedException("Refused by CheckDevice.");

    public override void Opened(PmemFile file) =>
        simulator.Track(file, strategy ?? throw new InvalidOperationException("The simulated file was opened without its strategy."));
}
