using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class PmemFileBasicsTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Written_and_persisted_bytes_are_in_the_file(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(1 << 20, seed: 1);

        using (var file = test.Create(data.Length))
        {
            Assert.Equal(backend, file.Backend);
            Assert.Equal(data.Length, file.Length);
            data.CopyTo(file.GetSpan(0, data.Length));
            file.Persist(0, data.Length);
        }

        Assert.Equal(data, test.ReadAllBytes());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Persistence_matches_the_file_system(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);

        using var fixedSize = test.Create(1 << 16);
        using var growable = PmemFile.Open(test.Sibling(".g"), test.Options(1 << 16, 1 << 22));
        bool expected = TestEnvironment.ExpectPmem(directory);
        foreach (PmemFile file in new[] { fixedSize, growable })
        {
            Assert.Equal(expected, file.IsPersistentMemory);
            PersistMethod method = !expected ? PersistMethod.Msync
                : backend == PmemBackendKind.Pmdk ? PersistMethod.LibpmemFlush
                : PersistMethod.ManagedFlush;
            Assert.Equal(method, file.PersistMethod);
            Assert.Equal(method == PersistMethod.Msync ? StoreGranularity.Page : StoreGranularity.CacheLine, file.Granularity);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Opening_an_existing_file_maps_its_current_length(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(12345, seed: 2);
        test.WriteAllBytes(data);

        using var file = test.Create(1 << 20);

        Assert.Equal(data.Length, file.Length);
        Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void CopyPersist_and_FillPersist_write_durably(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] record = Patterns.Bytes(4096, seed: 3);

        using (var file = test.Create(1 << 16))
        {
            file.CopyPersist(100, record);
            file.FillPersist(8192, 1000, 0xAB);
            file.Write(20000, record.AsSpan(0, 64));
            file.Flush(20000, 64);
            file.Drain();
        }

        byte[] contents = test.ReadAllBytes();
        Assert.Equal(record, contents[100..4196]);
        Assert.All(contents[8192..9192], b => Assert.Equal(0xAB, b));
        Assert.Equal(0, contents[9192]);
        Assert.Equal(record[..64], contents[20000..20064]);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_file_written_by_one_backend_reads_the_same_through_the_other(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        PmemBackendKind other = backend == PmemBackendKind.Pmdk ? PmemBackendKind.Managed : PmemBackendKind.Pmdk;
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(300_000, seed: 4);

        using (var writer = test.Create(100_000, 1 << 20))
        {
            writer.Grow(data.Length);
            writer.CopyPersist(0, data);
        }
        using var reader = PmemFile.Open(test.Path, new PmemFileOptions { Backend = other, Mode = FileMode.Open, ReadOnly = true });

        Assert.Equal(other, reader.Backend);
        Assert.Equal(data, reader.GetReadOnlySpan(0, data.Length).ToArray());
    }

    /// <summary>
    /// What each preallocation mode leaves on the file system, at open and for a grown tail, fixed
    /// size and growable: Sparse allocates no blocks, Allocate allocates every block (fallocate) but
    /// caches no page, ZeroFill allocates every block by writing zeros through the page cache.
    /// Replacing one mode's call with another's (ftruncate for ZeroFill, say) changes these figures.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Each_preallocation_mode_allocates_blocks_its_own_way_at_open_and_at_grow(PmemBackendKind backend, string directory)
    {
        const long Open = 3 << 20, Grown = 5 << 20;
        // DAX has no page cache: only the blocks can be compared there.
        bool pageCache = !(TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory));
        foreach (Preallocation preallocation in new[] { Preallocation.Sparse, Preallocation.Allocate, Preallocation.ZeroFill })
        {
            foreach (long? maxLength in new long?[] { null, 8 << 20 })
            {
                using var test = new TestFile(backend, directory);
                using var file = test.Open(test.Options(Open, maxLength) with { Preallocation = preallocation });
                string at = $"{preallocation}, {(maxLength is null ? "fixed" : "growable")}, {directory}";
                CheckAllocation(test.Path, preallocation, Open, pageCache, $"{at}, at open");
                if (maxLength is not null)
                {
                    file.Grow(Grown);
                    CheckAllocation(test.Path, preallocation, Grown, pageCache, $"{at}, after Grow");
                }

                // Whatever the mode, the file reads as zeros and takes writes at its end.
                long length = file.Length;
                Assert.True(file.GetReadOnlySpan(0, (int)length).IndexOfAnyExcept((byte)0) < 0, $"{at}: non-zero bytes");
                file.GetSpan(length - 1, 1)[0] = 7;
                file.Persist(length - 1, 1);
                file.Dispose();
                Assert.Equal(length, test.LengthOnDisk);
                Assert.Equal(7, test.ReadAllBytes()[^1]);
            }
        }
    }

    private static void CheckAllocation(string path, Preallocation preallocation, long length, bool pageCache, string at)
    {
        long allocated = FileAllocation.AllocatedBytes(path);
        long cached = pageCache ? FileAllocation.CachedBytes(path) : 0;
        string figures = $"{at}: {allocated} bytes allocated, {cached} cached, length {length}";
        switch (preallocation)
        {
            case Preallocation.Sparse:
                Assert.True(allocated == 0, figures);
                break;
            case Preallocation.Allocate:
                Assert.True(allocated >= length, figures);
                if (pageCache)
                    Assert.True(cached == 0, figures);
                break;
            case Preallocation.ZeroFill:
                Assert.True(allocated >= length, figures);
                if (pageCache)
                    Assert.True(cached >= length, figures);
                break;
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_read_only_mapping_reads_but_refuses_writes(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(5000, seed: 5);
        test.WriteAllBytes(data);

        using var file = test.Reopen(readOnly: true);

        Assert.True(file.IsReadOnly);
        Assert.Equal(backend, file.Backend);
        Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
        Assert.Equal(data[10], file.Read<byte>(10));
        Assert.Throws<NotSupportedException>(() => file.GetSpan(0, 1));
        Assert.Throws<NotSupportedException>(() => file.Persist(0, 1));
        Assert.Throws<NotSupportedException>(() => file.Grow(6000));
        Assert.Throws<NotSupportedException>(() => file.Write(0, new byte[1]));
        Assert.Throws<NotSupportedException>(() => file.AsStream().WriteByte(1));
        Assert.Equal(data, test.ReadAllBytes());
    }
}
