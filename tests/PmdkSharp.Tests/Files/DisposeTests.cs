using System;
using System.IO;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class DisposeTests
{
    public static TheoryData<string, Action<PmemFile>> EntryPoints => new()
    {
        { "Length", f => _ = f.Length },
        { "MaxLength", f => _ = f.MaxLength },
        { "IsPersistentMemory", f => _ = f.IsPersistentMemory },
        { "Granularity", f => _ = f.Granularity },
        { "UsesMapSync", f => _ = f.UsesMapSync },
        { "HugePageBytes", f => _ = f.GetHugePageBytes() },
        { "GetSpan", f => f.GetSpan(0, 1) },
        { "GetReadOnlySpan", f => f.GetReadOnlySpan(0, 1) },
        { "GetMemory", f => f.GetMemory(0, 1) },
        { "GetReadOnlyMemory", f => f.GetReadOnlyMemory(0, 1) },
        { "Read", f => f.Read(0, new byte[1]) },
        { "Write", f => f.Write(0, new byte[1]) },
        { "ReadT", f => f.Read<int>(0) },
        { "WriteT", f => f.Write(0, 1) },
        { "AsRef", f => f.AsRef<int>(0) },
        { "Persist", f => f.Persist(0, 1) },
        { "PersistAll", f => f.Persist() },
        { "Flush", f => f.Flush(0, 1) },
        { "Drain", f => f.Drain() },
        { "CopyPersist", f => f.CopyPersist(0, new byte[1]) },
        { "FillPersist", f => f.FillPersist(0, 1, 0) },
        { "Grow", f => f.Grow(8192) },
        { "AsStream", f => f.AsStream() },
        { "PersistMethod", f => _ = f.PersistMethod },
        { "BeginAccess", f => f.BeginAccess().Dispose() },
    };

    [SkippableTheory]
    [MemberData(nameof(EntryPoints))]
    public void Every_entry_point_throws_ObjectDisposedException_after_dispose(string name, Action<PmemFile> call)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            using var path = new TempPath(TestEnvironment.Directories[0]);
            var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, 1 << 20));
            file.Dispose();
            file.Dispose(); // a second dispose is a no-op

            var error = Assert.Throws<ObjectDisposedException>(() => call(file));
            Assert.True(error.Message.Contains(path.Path, StringComparison.Ordinal), $"{name}: {error.Message}");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Dispose_unmaps_the_whole_reservation(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, 64 << 20));
        nuint start = file.BaseAddress;
        file.Grow(1 << 20);
        Assert.True(ProcMaps.CountVmas(start, start + (64 << 20), path.Path) > 0);

        file.Dispose();

        Assert.Equal(0, ProcMaps.CountVmas(start, start + (64 << 20), path.Path));
        Assert.Equal(1 << 20, new FileInfo(path.Path).Length);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_open_scope_keeps_the_mapping_until_it_ends_and_then_unmaps(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, 1 << 20));
        nuint start = file.BaseAddress;

        using (PmemAccessScope scope = file.BeginAccess())
        {
            file.Dispose();
            Assert.Throws<ObjectDisposedException>(() => file.Persist(0, 1));
            Assert.Throws<ObjectDisposedException>(() => file.BeginAccess());

            // Inside the scope the mapping is still there: writes and persists complete.
            scope.CopyPersist(0, "still mapped"u8);
            Assert.Equal((byte)'s', scope.Read<byte>(0));
            Assert.True(ProcMaps.CountVmas(start, start + 4096, path.Path) > 0);
        }

        Assert.Equal(0, ProcMaps.CountVmas(start, start + (1 << 20), path.Path));
        Assert.Equal("still mapped"u8.ToArray(), File.ReadAllBytes(path.Path)[..12]);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_pin_keeps_the_memory_mapped_past_dispose_and_Span_throws(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096));
        Memory<byte> memory = file.GetMemory(0, 16);
        nuint start = file.BaseAddress;

        using (System.Buffers.MemoryHandle pin = memory.Pin())
        {
            file.Dispose();
            Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
            unsafe
            {
                *(byte*)pin.Pointer = 7; // still mapped: the pin holds it
            }
            Assert.True(ProcMaps.CountVmas(start, start + 4096, path.Path) > 0);
        }

        Assert.Equal(0, ProcMaps.CountVmas(start, start + 4096, path.Path));
    }
}
