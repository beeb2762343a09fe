using System;
using System.IO;
using System.Linq;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libpmem2;

namespace PmdkSharp.Tests.Interop;

/// <summary>
/// libpmem2's config / source / map life cycle through the generated bindings, writing through
/// the C function pointers it hands out (pmem2_get_memcpy_fn, pmem2_get_persist_fn).
/// </summary>
public sealed unsafe class Libpmem2Tests
{
    private const int Length = 2 << 20;

    [SkippableTheory]
    [ClassData(typeof(AllDirectories))]
    public void MapsAFileWritesThroughItsFunctionPointersAndReadsItBack(string directory)
    {
        RequireLibpmem2();
        using var test = new TestFile(PmemBackendKind.Pmdk, directory);
        byte[] pattern = Patterns.Bytes(Length, seed: 4);

        using (SafeFileHandle fd = File.OpenHandle(test.Path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(fd, Length);

            pmem2_config* config = null;
            pmem2_source* source = null;
            pmem2_map* map = null;
            Check(pmem2_config_new(&config), "pmem2_config_new");
            try
            {
                Check(pmem2_source_from_fd(&source, (int)fd.DangerousGetHandle()), "pmem2_source_from_fd");
                // PAGE is the weakest requirement, so the mapping succeeds on any file system.
                Check(pmem2_config_set_required_store_granularity(config, pmem2_granularity.PMEM2_GRANULARITY_PAGE),
                    "pmem2_config_set_required_store_granularity");
                Check(pmem2_map_new(&map, config, source), "pmem2_map_new");

                byte* address = (byte*)pmem2_map_get_address(map);
                Assert.True(address != null);
                Assert.Equal((nuint)Length, pmem2_map_get_size(map));
                Assert.Equal(ExpectedGranularity(directory), pmem2_map_get_store_granularity(map));

                delegate* unmanaged<void*, void*, nuint, uint, void*> memcpy = pmem2_get_memcpy_fn(map);
                delegate* unmanaged<void*, nuint, void> persist = pmem2_get_persist_fn(map);
                Assert.True(memcpy != null && persist != null);
                fixed (byte* from = pattern)
                {
                    // The first half is copied and persisted in one call; the second is copied without draining, then persisted.
                    Assert.True(memcpy(address, from, Length / 2, 0) == address);
                    memcpy(address + Length / 2, from + Length / 2, Length / 2, PMEM2_F_MEM_NODRAIN);
                    persist(address + Length / 2, Length / 2);
                }
                Assert.True(new ReadOnlySpan<byte>(address, Length).SequenceEqual(pattern));
            }
            finally
            {
                if (map != null)
                {
                    Check(pmem2_map_delete(&map), "pmem2_map_delete");
                    Assert.True(map == null, "pmem2_map_delete clears the pointer");
                }
                if (source != null)
                    Check(pmem2_source_delete(&source), "pmem2_source_delete");
                Check(pmem2_config_delete(&config), "pmem2_config_delete");
                Assert.True(source == null && config == null);
            }
        }

        Assert.Equal(pattern, File.ReadAllBytes(test.Path));
    }

    [SkippableFact]
    public void MappingWithoutARequiredGranularityIsRefused()
    {
        RequireLibpmem2();
        using var test = new TestFile(PmemBackendKind.Pmdk);
        using SafeFileHandle fd = File.OpenHandle(test.Path, FileMode.CreateNew, FileAccess.ReadWrite);
        RandomAccess.SetLength(fd, 4096);

        pmem2_config* config = null;
        pmem2_source* source = null;
        pmem2_map* map = null;
        Check(pmem2_config_new(&config), "pmem2_config_new");
        Check(pmem2_source_from_fd(&source, (int)fd.DangerousGetHandle()), "pmem2_source_from_fd");
        try
        {
            int result = pmem2_map_new(&map, config, source);

            Assert.Equal(PMEM2_E_GRANULARITY_NOT_SET, result);
            Assert.True(map == null);
            Assert.Contains("granularity", NativeText.FromLibraryOwned(pmem2_errormsg()));
        }
        finally
        {
            pmem2_source_delete(&source);
            pmem2_config_delete(&config);
        }
    }

    /// <summary>
    /// The store granularity libpmem2 reports: PAGE (msync needed) on the page cache, even where
    /// PMEM_IS_PMEM_FORCE makes libpmem call a mapping pmem (libpmem2 does not read that variable);
    /// CACHE_LINE on DAX with MAP_SYNC, BYTE where the platform also flushes caches on power loss.
    /// </summary>
    private static pmem2_granularity ExpectedGranularity(string directory)
    {
        bool dax = TestEnvironment.DaxDirectories.Any(d =>
            Path.GetFullPath(directory).StartsWith(Path.GetFullPath(d), StringComparison.Ordinal));
        if (!dax)
            return pmem2_granularity.PMEM2_GRANULARITY_PAGE;
        return Libpmem.pmem_has_auto_flush() == 1
            ? pmem2_granularity.PMEM2_GRANULARITY_BYTE
            : pmem2_granularity.PMEM2_GRANULARITY_CACHE_LINE;
    }

    private static void Check(int result, string function) =>
        Assert.True(result == 0, $"{function} returned {result}: {NativeText.FromLibraryOwned(pmem2_errormsg())}");

    /// <summary>libpmem2 ships beside libpmem: a PMDK test needs both.</summary>
    private static void RequireLibpmem2()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        NativeLibraryResolver.LoadResult libpmem2 = NativeLibraryResolver.Load(Libraries.Libpmem2);
        if (libpmem2.Loaded)
            return;
        if (TestEnvironment.RequirePmdk)
            Assert.Fail($"PMDKSHARP_REQUIRE_PMDK=1 but {libpmem2.Error}");
        Skip.If(true, libpmem2.Error);
    }
}
