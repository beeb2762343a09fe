using System;
using System.IO;
using System.Linq;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// PmemFile over the VM's device-DAX namespace (PMDKSHARP_DEVDAX), both backends, both persistence
/// domains: mapped whole at its sysfs size and alignment, persisted by cache-line flushes (msync
/// answers EINVAL there, so a devdax persist through msync throws and fails these tests), never
/// created, resized or mapped copy-on-write. Skips where PMDKSHARP_DEVDAX is unset; inside the VM
/// (PMDKSHARP_IN_DAX_VM=1) a missing device is a failure. Runs in <c>./build.sh test-dax</c>.
/// </summary>
[Trait("Category", "Dax")]
[Collection(nameof(DeviceDaxCollection))] // one device: its tests take turns
public class DeviceDaxFileTests
{
    private readonly ITestOutputHelper output;

    public DeviceDaxFileTests(ITestOutputHelper output) => this.output = output;

    /// <summary>The device, after checking the environment: skip outside the VM, fail inside it when the device is missing.</summary>
    internal static DeviceDaxInfo Device(PmemBackendKind backend)
    {
        string? path = Environment.GetEnvironmentVariable("PMDKSHARP_DEVDAX");
        bool inVm = Environment.GetEnvironmentVariable("PMDKSHARP_IN_DAX_VM") == "1";
        if (path is null && inVm)
            Assert.Fail("PMDKSHARP_IN_DAX_VM=1 but PMDKSHARP_DEVDAX is unset: the VM made no devdax namespace");
        Skip.If(path is null, "PMDKSHARP_DEVDAX is unset: device DAX is tested in the VM of ./build.sh test-dax");
        TestEnvironment.Require(backend);
        Assert.True(File.Exists(path), $"PMDKSHARP_DEVDAX={path} does not exist");
        return DeviceDax.Probe(path!) ?? throw new Xunit.Sdk.XunitException($"{path} is not device DAX");
    }

    private static string PersistenceDomain => Environment.GetEnvironmentVariable("PMDKSHARP_PERSISTENCE_DOMAIN")
        ?? throw new InvalidOperationException("PMDKSHARP_PERSISTENCE_DOMAIN is not set: run these tests with ./build.sh test-dax");

    private static StoreGranularity ExpectedGranularity =>
        PersistenceDomain == "cpu_cache" ? StoreGranularity.Byte : StoreGranularity.CacheLine;

    private static PersistMethod ExpectedMethod(PmemBackendKind backend) =>
        backend == PmemBackendKind.Pmdk ? PersistMethod.LibpmemFlush : PersistMethod.ManagedFlush;

    private static PmemFileOptions Options(PmemBackendKind backend) => new() { Backend = backend };

    private (long Offset, byte[] Data) RandomRecord(DeviceDaxInfo device, int length)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        long offset = random.NextInt64(0, device.Size - length);
        return (offset, Patterns.Bytes(length, seed));
    }

    /// <summary>Writes and persists a random record through an open of its own, closed again before returning.</summary>
    private (long Offset, byte[] Data) PersistRandomRecord(DeviceDaxInfo device, PmemBackendKind backend, int length)
    {
        (long offset, byte[] data) = RandomRecord(device, length);
        using var file = PmemFile.Open(device.Path, Options(backend));
        file.CopyPersist(offset, data);
        return (offset, data);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_whole_device_is_mapped_aligned_and_persisted_by_flushes(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        using var file = PmemFile.Open(device.Path, Options(backend));

        Assert.True(file.IsDeviceDax);
        Assert.Equal(device.Size, file.Length);
        Assert.Equal(device.Size, file.MaxLength);
        Assert.Equal(0u, file.BaseAddress % (nuint)device.Alignment);
        Assert.True(file.IsPersistentMemory);
        Assert.False(file.WasCreated);
        Assert.Equal(ExpectedMethod(backend), file.PersistMethod);
        Assert.Equal(ExpectedGranularity, file.Granularity);
        Assert.Contains($"device DAX {device.Name}", file.ToString(), StringComparison.Ordinal);
        Assert.Contains($"device DAX {device.Name}", file.Mapping.Method, StringComparison.Ordinal);
    }

    /// <summary>Every persist entry point succeeds: through msync each would throw EINVAL here.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Every_persist_path_succeeds_and_none_is_msync(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        using var file = PmemFile.Open(device.Path, Options(backend));
        (long offset, byte[] data) = RandomRecord(device, 3 * 4096 + 17);

        Assert.NotEqual(PersistMethod.Msync, file.PersistMethod);
        data.CopyTo(file.GetSpan(offset, data.Length));
        file.Persist(offset, data.Length);
        file.Flush(offset, 64);
        file.Drain();
        file.CopyPersist(offset, data);
        file.FillPersist(offset + data.Length - 100, 100, 0x5A);
        file.Persist();
        Array.Fill(data, (byte)0x5A, data.Length - 100, 100);
        Assert.Equal(data, file.GetSpan(offset, data.Length).ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void What_one_open_persists_the_next_reads_back_read_only_too(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        (long offset, byte[] data) = RandomRecord(device, 1 << 20);
        byte[] tail = Patterns.Bytes(4096, seed: data[0]);

        using (var writer = PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.Open }))
        {
            writer.CopyPersist(offset, data);
            writer.CopyPersist(device.Size - tail.Length, tail); // the last bytes of the device
        }

        using (var again = PmemFile.Open(device.Path, Options(backend) with { Length = device.Size, MaxLength = device.Size }))
            Assert.Equal(data, again.GetSpan(offset, data.Length).ToArray());

        using var reader = PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.Open, ReadOnly = true });
        Assert.True(reader.IsReadOnly);
        Assert.Equal(device.Size, reader.Length);
        Assert.Equal(data, reader.GetReadOnlySpan(offset, data.Length).ToArray());
        Assert.Equal(tail, reader.GetReadOnlySpan(device.Size - tail.Length, tail.Length).ToArray());
        Assert.Throws<NotSupportedException>(() => reader.Persist(offset, 1));
        Assert.Throws<NotSupportedException>(() => reader.CopyPersist(offset, data.AsSpan(0, 1)));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_device_does_not_grow(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        using var file = PmemFile.Open(device.Path, Options(backend));

        file.Grow(device.Size); // its own size: nothing to do
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => file.Grow(device.Size + device.Alignment));
        Assert.Contains($"it is device DAX {device.Name}, mapped whole at its fixed size of {device.Size} bytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(device.Size, file.Length);
    }

    /// <summary>Sizes, modes and a crash simulation that cannot apply to a device are refused before it is opened; its bytes stay.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Options_a_device_cannot_honour_are_refused_and_change_nothing(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        (long offset, byte[] data) = PersistRandomRecord(device, backend, 4096);

        foreach (long length in new[] { 4096, device.Size - device.Alignment, device.Size + device.Alignment })
        {
            var wrongLength = Assert.Throws<ArgumentException>(() => PmemFile.Open(device.Path, Options(backend) with { Length = length }).Dispose());
            Assert.Contains($"Length {length} does not match device DAX '{device.Path}'", wrongLength.Message, StringComparison.Ordinal);
        }
        var wrongMax = Assert.Throws<ArgumentException>(() => PmemFile.Open(device.Path, Options(backend) with { MaxLength = 2 * device.Size }).Dispose());
        Assert.Contains("cannot grow past its size", wrongMax.Message, StringComparison.Ordinal);
        var create = Assert.Throws<ArgumentException>(() => PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.Create, Length = device.Size }).Dispose());
        Assert.Contains("Mode = Create would truncate", create.Message, StringComparison.Ordinal);
        var createNew = Assert.Throws<IOException>(() => PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.CreateNew, Length = device.Size }).Dispose());
        Assert.Contains("a device is opened (Mode = Open or OpenOrCreate), never created", createNew.Message, StringComparison.Ordinal);
        // A crash simulation maps MAP_PRIVATE, which device DAX refuses with EINVAL.
        var simulated = Assert.Throws<NotSupportedException>(() =>
            PmemFile.Open(device.Path, Options(backend) with { CrashSimulator = new CrashSimulator(seed: 1) }).Dispose());
        Assert.Contains("MAP_PRIVATE", simulated.Message, StringComparison.Ordinal);

        Assert.NotNull(DeviceDax.Probe(device.Path)); // still the device
        using var reader = PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.Open, ReadOnly = true });
        Assert.Equal(data, reader.GetReadOnlySpan(offset, data.Length).ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Every_prefault_mode_maps_the_device_unchanged(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        (long offset, byte[] data) = PersistRandomRecord(device, backend, 8192);

        foreach (PrefaultMode mode in Enum.GetValues<PrefaultMode>())
            foreach (bool readOnly in new[] { false, true })
            {
                using var file = PmemFile.Open(device.Path, Options(backend) with { Mode = FileMode.Open, ReadOnly = readOnly, Prefault = mode });
                Assert.Equal(data, file.GetReadOnlySpan(offset, data.Length).ToArray());
            }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Discard_zeroes_in_place(PmemBackendKind backend)
    {
        DeviceDaxInfo device = Device(backend);
        (long offset, byte[] data) = RandomRecord(device, 3 * 4096);
        using var file = PmemFile.Open(device.Path, Options(backend));
        file.CopyPersist(offset, data);

        Assert.Equal(0, file.Discard(offset + 1, 2 * 4096)); // no blocks to give back
        Assert.Equal(data[0], file.GetReadOnlySpan(offset, 1)[0]);
        Assert.True(file.GetReadOnlySpan(offset + 1, 2 * 4096).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(data[(2 * 4096 + 1)..], file.GetReadOnlySpan(offset + 2 * 4096 + 1, 4096 - 1).ToArray());
    }

    [SkippableFact]
    public void Diagnostics_list_the_device_with_its_persistence_domain()
    {
        DeviceDaxInfo device = Device(PmemBackendKind.Managed);

        DeviceDaxDevice listed = Assert.Single(PmemRuntime.GetDiagnostics().DeviceDaxDevices, d => d.Path == $"/dev/{device.Name}");
        Assert.Equal(device.Size, listed.Size);
        Assert.Equal(device.Alignment, listed.Alignment);
        Assert.Equal(PersistenceDomain, listed.PersistenceDomain);
    }
}
