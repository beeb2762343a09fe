using System;
using System.IO;
using PmdkSharp.Diagnostics;
using PmdkSharp.Durability;
using PmdkSharp.Interop;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// The msync path really writes pages back: on a file system with a page cache, a persisted page
/// stops being dirty and the pages around it stay dirty. A persist that did nothing, skipped
/// msync, or used MS_ASYNC (a no-op on Linux) fails here.
/// </summary>
public unsafe class MsyncStrategyTests
{
    private const int Page = 4096;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Persist_writes_back_exactly_the_touched_pages(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        Skip.If(ProcessMemory.FileSystemType(directory) == "tmpfs", "tmpfs has no write-back: its pages are never clean");
        using var path = new TempPath(directory);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 8 * Page));
        Skip.If(file.PersistMethod != PersistMethod.Msync, $"{file.PersistMethod} persists with cache-line flushes");
        file.Persist();
        nuint start = file.BaseAddress;
        nuint end = start + 8 * Page;

        for (int page = 0; page < 4; page++)
            file.Write(page * Page + 10, (byte)(page + 1));
        Assert.Equal(4 * Page, ProcMaps.DirtyBytes(start, end));

        file.Persist(Page + 10, 1);
        Assert.Equal(3 * Page, ProcMaps.DirtyBytes(start, end));

        // A range that spans a page boundary writes back both pages.
        file.Persist(3 * Page - 1, 2);
        Assert.Equal(Page, ProcMaps.DirtyBytes(start, end));

        file.CopyPersist(0, new byte[] { 9 });
        Assert.Equal(0, ProcMaps.DirtyBytes(start, end));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_failed_msync_makes_every_later_persist_of_the_mapping_fail(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[^1]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4 * Page));
        var strategy = new MsyncStrategy(path.Path, (byte*)file.BaseAddress);

        // msync of a range that is not mapped fails with ENOMEM: a real kernel error standing in for EIO.
        // Nothing is ever mapped at 4 KiB (vm.mmap_min_addr keeps the lowest 64 KiB empty).
        void* gone = (void*)Page;
        var first = Assert.Throws<IOException>(() => strategy.Persist((byte*)gone, 1));
        Assert.Contains(path.Path, first.Message, StringComparison.Ordinal);
        Assert.Contains("msync", first.Message, StringComparison.Ordinal);

        // The mapping itself is fine, but the earlier failure may have lost data: it is not forgotten.
        foreach (Action later in new Action[]
        {
            () => strategy.Persist((byte*)file.BaseAddress, 1),
            () => strategy.Flush((byte*)file.BaseAddress, 1),
            () => strategy.Drain(),
            () => strategy.FillPersist((byte*)file.BaseAddress, 0, 1),
        })
        {
            var sticky = Assert.Throws<IOException>(later);
            Assert.Contains("earlier msync", sticky.Message, StringComparison.Ordinal);
            Assert.Contains(path.Path, sticky.Message, StringComparison.Ordinal);
        }

        // A fresh strategy (a reopened file) starts clean.
        new MsyncStrategy(path.Path, (byte*)file.BaseAddress).Persist((byte*)file.BaseAddress, 1);
    }
}
