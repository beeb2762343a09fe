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
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        byte[] data = Patterns.Bytes(1 << 20, seed: 1);

        using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, data.Length)))
        {
            Assert.Equal(backend, file.Backend);
            Assert.Equal(data.Length, file.Length);
            data.CopyTo(file.GetSpan(0, data.Length));
            file.Persist(0, data.Length);
        }

        Assert.Equal(data, File.ReadAllBytes(path.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Persistence_matches_the_file_system(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);

        using var fixedSize = PmemFile.Open(path.Path, Patterns.Options(backend, 1 << 16));
        using var growable = PmemFile.Open(path.Path + ".g", Patterns.Options(backend, 1 << 16, 1 << 22));
        try
        {
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
        finally
        {
            File.Delete(path.Path + ".g");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Opening_an_existing_file_maps_its_current_length(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        byte[] data = Patterns.Bytes(12345, seed: 2);
        File.WriteAllBytes(path.Path, data);

        using var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Length = 1 << 20 });

        Assert.Equal(data.Length, file.Length);
        Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void CopyPersist_and_FillPersist_write_durably(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        byte[] record = Patterns.Bytes(4096, seed: 3);

        using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, 1 << 16)))
        {
            file.CopyPersist(100, record);
            file.FillPersist(8192, 1000, 0xAB);
            file.Write(20000, record.AsSpan(0, 64));
            file.Flush(20000, 64);
            file.Drain();
        }

        byte[] contents = File.ReadAllBytes(path.Path);
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
        using var path = new TempPath(directory);
        byte[] data = Patterns.Bytes(300_000, seed: 4);

        using (var writer = PmemFile.Open(path.Path, Patterns.Options(backend, 100_000, 1 << 20)))
        {
            writer.Grow(data.Length);
            writer.CopyPersist(0, data);
        }
        using var reader = PmemFile.Open(path.Path, new PmemFileOptions { Backend = other, Mode = FileMode.Open, ReadOnly = true });

        Assert.Equal(data, reader.GetReadOnlySpan(0, data.Length).ToArray());
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Preallocation_modes_give_a_zeroed_file_of_the_requested_length(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        foreach (Preallocation preallocation in new[] { Preallocation.Sparse, Preallocation.Allocate, Preallocation.ZeroFill })
        {
            using var path = new TempPath(directory);
            var options = Patterns.Options(backend, 3 << 20, 8 << 20) with { Preallocation = preallocation };
            using (var file = PmemFile.Open(path.Path, options))
            {
                file.Grow(5 << 20);
                Assert.True(file.GetReadOnlySpan(0, 5 << 20).IndexOfAnyExcept((byte)0) < 0, $"{preallocation} left non-zero bytes");
                file.GetSpan((5 << 20) - 1, 1)[0] = 7;
                file.Persist((5 << 20) - 1, 1);
            }
            var info = new FileInfo(path.Path);
            Assert.Equal(5 << 20, info.Length);
            Assert.Equal(7, File.ReadAllBytes(path.Path)[^1]);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_read_only_mapping_reads_but_refuses_writes(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        byte[] data = Patterns.Bytes(5000, seed: 5);
        File.WriteAllBytes(path.Path, data);

        using var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true });

        Assert.True(file.IsReadOnly);
        Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
        Assert.Equal(data[10], file.Read<byte>(10));
        Assert.Throws<System.NotSupportedException>(() => file.GetSpan(0, 1));
        Assert.Throws<System.NotSupportedException>(() => file.Persist(0, 1));
        Assert.Throws<System.NotSupportedException>(() => file.Grow(6000));
        Assert.Throws<System.NotSupportedException>(() => file.Write(0, new byte[1]));
        Assert.Throws<System.NotSupportedException>(() => file.AsStream().WriteByte(1));
        Assert.Equal(data, File.ReadAllBytes(path.Path));
    }
}
