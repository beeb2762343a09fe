using System;
using System.IO;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// What only a real DAX file system shows: MAP_SYNC accepted, persistent memory without
/// PMEM_IS_PMEM_FORCE, cache-line granularity; and beside it, a plain ext4 taking the msync path.
/// Runs inside the VM of <c>./build.sh test-dax</c> (filtered out elsewhere by its category).
/// </summary>
[Trait("Category", "Dax")]
public class DaxTests
{
    private static string DaxDirectory => Environment.GetEnvironmentVariable("PMDKSHARP_DAX_DIR")
        ?? throw new InvalidOperationException("PMDKSHARP_DAX_DIR is not set: run these tests with ./build.sh test-dax");

    private static string NonDaxDirectory => Environment.GetEnvironmentVariable("PMDKSHARP_NODAX_DIR")
        ?? throw new InvalidOperationException("PMDKSHARP_NODAX_DIR is not set: run these tests with ./build.sh test-dax");

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_DAX_file_is_persistent_memory_without_forcing(PmemBackendKind backend)
    {
        Assert.False(TestEnvironment.PmemForced, "PMEM_IS_PMEM_FORCE must be unset for this test to mean anything");
        foreach (long? maxLength in new long?[] { null, 64 << 20 })
        {
            using var test = new TestFile(backend, DaxDirectory);
            using var file = test.Create(4 << 20, maxLength);

            Assert.True(file.IsPersistentMemory, $"{backend}, max {maxLength}: not pmem on DAX");
            Assert.True(file.UsesMapSync, $"{backend}, max {maxLength}: MAP_SYNC was not used on DAX");
            Assert.Equal(ExpectedGranularity(backend, file), file.Granularity);
            byte[] data = Patterns.Bytes(1 << 20, seed: 40);
            file.CopyPersist(12345, data);
            file.Dispose();
            Assert.Equal(data, test.ReadAllBytes()[12345..(12345 + data.Length)]);
        }
    }

    /// <summary>The NVDIMM region's persistence domain, as the VM found it: memory_controller (ADR) or cpu_cache (eADR).</summary>
    private static string PersistenceDomain => Environment.GetEnvironmentVariable("PMDKSHARP_PERSISTENCE_DOMAIN")
        ?? throw new InvalidOperationException("PMDKSHARP_PERSISTENCE_DOMAIN is not set: run these tests with ./build.sh test-dax");

    /// <summary>Byte where the CPU caches are inside the persistence domain (eADR), cache lines under ADR.</summary>
    private static StoreGranularity ExpectedDaxGranularity =>
        PersistenceDomain == "cpu_cache" ? StoreGranularity.Byte : StoreGranularity.CacheLine;

    /// <summary>
    /// What a DAX mapping's granularity must be: PMDK flushes cache lines there (its method is
    /// checked too, so it cannot quietly fall back to msync); a mapping persisted by msync is Page
    /// whatever the hardware, and one persisted by cache-line flushes follows the domain.
    /// </summary>
    private static StoreGranularity ExpectedGranularity(PmemBackendKind backend, PmemFile file)
    {
        if (backend == PmemBackendKind.Pmdk)
            Assert.Equal(PersistMethod.LibpmemFlush, file.PersistMethod);
        return file.PersistMethod == PersistMethod.Msync ? StoreGranularity.Page : ExpectedDaxGranularity;
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void The_persistence_domain_decides_granularity_and_auto_flush(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        Assert.Contains(PersistenceDomain, new[] { "memory_controller", "cpu_cache" });
        bool eadr = PersistenceDomain == "cpu_cache";

        using var path = new TempPath(DaxDirectory);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 2 << 20));
        Assert.Equal(ExpectedGranularity(backend, file), file.Granularity);
        Assert.Equal(eadr, PmemRuntime.GetDiagnostics().HasAutoFlush);
        if (backend == PmemBackendKind.Pmdk)
            Assert.Equal(eadr ? 1 : 0, PmdkSharp.Interop.Libpmem.pmem_has_auto_flush());

        using var plain = new TempPath(NonDaxDirectory);
        using var pageCache = PmemFile.Open(plain.Path, Patterns.Options(backend, 2 << 20));
        Assert.Equal(StoreGranularity.Page, pageCache.Granularity); // eADR does not make the page cache persistent
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_non_DAX_ext4_file_takes_the_msync_path(PmemBackendKind backend)
    {
        foreach (long? maxLength in new long?[] { null, 64 << 20 })
        {
            using var test = new TestFile(backend, NonDaxDirectory);
            using var file = test.Create(4 << 20, maxLength);

            Assert.False(file.IsPersistentMemory);
            Assert.False(file.UsesMapSync);
            Assert.Equal(StoreGranularity.Page, file.Granularity);
            file.FillPersist(0, 4 << 20, 0x33);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Growth_on_DAX_keeps_MAP_SYNC_2MiB_alignment_and_one_VMA(PmemBackendKind backend)
    {
        using var test = new TestFile(backend, DaxDirectory);
        using var file = test.Open(test.Options(2 << 20, 128 << 20) with { HugePages = true });
        nuint baseAddress = file.BaseAddress;
        Assert.Equal(0u, baseAddress % (2u << 20));

        for (int i = 2; i <= 32; i++)
        {
            file.Grow((long)i << 21);
            file.GetSpan(((long)i << 21) - 8, 8).Fill((byte)i);
            file.Persist(((long)i << 21) - 8, 8);
        }

        Assert.Equal(baseAddress, file.BaseAddress);
        Assert.True(file.UsesMapSync);
        Assert.InRange(ProcMaps.CountVmas(baseAddress, baseAddress + (nuint)file.MaxLength), 1, 3);
        file.Dispose();
        byte[] contents = test.ReadAllBytes();
        Assert.Equal(64 << 20, contents.Length);
        Assert.Equal(32, contents[^1]);
    }
}
