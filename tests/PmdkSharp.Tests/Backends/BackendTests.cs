using System;
using PmdkSharp.Backends;
using PmdkSharp.CrashSimulation;
using PmdkSharp.Durability;
using PmdkSharp.FlushEngine;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Backends;

/// <summary>
/// The backend objects, each on its own: the choice made once at open (a crash simulator selects
/// the simulated backend over the requested one), and the strategy each gives a mapping.
/// </summary>
public sealed class BackendTests
{
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_options_choose_the_backend_once(PmemBackendKind kind)
    {
        TestEnvironment.Require(kind);
        Backend plain = Backend.For(new PmemFileOptions { Backend = kind });
        Backend simulated = Backend.For(new PmemFileOptions { Backend = kind, CrashSimulator = new CrashSimulator() });

        Assert.Equal(kind, plain.Kind);
        Assert.Same(Backend.Of(kind), plain);
        Assert.IsType<SimulatedBackend>(simulated);
        Assert.Equal(kind, simulated.Kind); // the simulation reports the backend it stands in for
        Assert.Equal(plain.HasAutoFlush, simulated.HasAutoFlush);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Each_backend_gives_a_mapping_its_own_strategy(PmemBackendKind kind)
    {
        using var test = new TestFile(kind);
        using PmemFile file = test.Create(1 << 20);
        Backend backend = Backend.Of(kind);

        DurabilityStrategy strategy = backend.CreateStrategy(file.Mapping, test.Path);

        Type expected = !file.IsPersistentMemory ? typeof(MsyncStrategy)
            : kind == PmemBackendKind.Pmdk ? typeof(LibpmemFlushStrategy)
            : CacheLineFlushSupport.Current.IsAvailable ? typeof(ManagedFlushStrategy) : typeof(MsyncStrategy);
        Assert.IsType(expected, strategy);
        Assert.Equal(strategy.Method, file.PersistMethod); // what Open chose is what the backend gives
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_simulated_backend_maps_privately_and_refuses_device_DAX(PmemBackendKind kind)
    {
        using var test = new TestFile(kind);
        var simulator = new CrashSimulator();
        using PmemFile file = test.Open(test.Options(1 << 20) with { CrashSimulator = simulator });

        Assert.Equal(PersistMethod.Simulated, file.PersistMethod);
        Assert.True(file.IsPersistentMemory);
        Assert.False(file.UsesMapSync);
        var device = new DeviceDaxInfo("/dev/dax9.9", "dax9.9", 250, 9, 2 << 20, 2 << 20, null);
        var refused = Assert.Throws<NotSupportedException>(() => Backend.For(test.Options(0) with { CrashSimulator = simulator }).CheckDevice(device));
        Assert.Contains("copy-on-write", refused.Message);
        Backend.Of(PmemBackendKind.Pmdk).CheckDevice(device); // libpmem flushes there itself: accepted
    }
}
