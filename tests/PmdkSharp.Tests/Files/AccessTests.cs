using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class AccessTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public long Magic;
        public long CommitOffset;
        public int Version;
        public int Flags;
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Typed_references_read_and_write_structs_in_place(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using (var file = test.Create(4096))
        {
            ref Header header = ref file.AsRef<Header>(0);
            header.Magic = 0x504D454D;
            header.CommitOffset = 4096;
            header.Version = 3;
            file.Write(100, 0x0102030405060708L); // unaligned is fine for Write<T>
            file.Persist();
        }

        using var reopened = test.Reopen();
        Assert.Equal(backend, reopened.Backend);
        Assert.Equal(0x504D454D, reopened.Read<Header>(0).Magic);
        Assert.Equal(3, reopened.AsRef<Header>(0).Version);
        Assert.Equal(0x0102030405060708L, reopened.Read<long>(100));
        Assert.Equal(0x08, reopened.Read<byte>(100)); // little-endian, really in the file
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Pinned_memory_outlives_dispose_until_unpinned(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        var file = test.Create(8192);
        nuint start = file.BaseAddress;
        Memory<byte> memory = file.GetMemory(4096, 100);
        memory.Span.Fill(42);

        MemoryHandle pin = memory.Pin();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        unsafe
        {
            Assert.Equal(42, ((byte*)pin.Pointer)[99]); // still mapped: the pin holds it
        }
        Assert.True(ProcMaps.CountVmas(start, start + 8192, test.Path) > 0);

        pin.Dispose();
        Assert.Equal(0, ProcMaps.CountVmas(start, start + 8192, test.Path)); // by file: a parallel test may map the freed range
    }

    /// <summary>
    /// MemoryHandle is a struct: disposing two copies of one pin unpins twice. The extra unpin must
    /// not release the open file's own reference on the mapping (which would unmap it under the
    /// file, and the next access would crash the process).
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void An_extra_unpin_leaves_the_open_file_mapped(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        PmemFile file = test.Create(8192);
        nuint start = file.BaseAddress;
        Memory<byte> memory = file.GetMemory(4096, 100);

        MemoryHandle pin = memory.Pin();
        MemoryHandle copy = pin;
        pin.Dispose();
        copy.Dispose();

        bool mapped = ProcMaps.CountVmas(start, start + 8192, test.Path) > 0;
        if (!mapped)
        {
            // The handle was released under the open file: its finalizer (and Dispose) would throw
            // and end the test run. Leave it undisposed and unfinalized, so this fails by assertion.
            GC.SuppressFinalize(file.Mapping.Handle);
        }
        Assert.True(mapped, "the open file's mapping was unmapped by an extra unpin");
        file.Write(4096, 0x1122334455667788L);
        Assert.Equal(0x1122334455667788L, file.Read<long>(4096));
        file.Dispose();
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Streams_read_write_seek_and_grow(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(100_000, seed: 20);
        using (var file = test.Create(4096, 1 << 20))
        {
            using (Stream fixedStream = file.AsStream())
            {
                Assert.Throws<NotSupportedException>(() => fixedStream.Write(data));
                Assert.Equal(4096, file.Length);
            }
            using Stream stream = file.AsStream(growOnWrite: true);
            stream.Write(data);
            stream.Flush();
            Assert.True(file.Length >= data.Length);
            stream.Seek(-10, SeekOrigin.Current);
            var tail = new byte[10];
            Assert.Equal(10, stream.Read(tail));
            Assert.Equal(data[^10..], tail);
            stream.Position = 0;
            var all = new byte[data.Length];
            stream.ReadExactly(all);
            Assert.Equal(data, all);
            Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
            Assert.Throws<NotSupportedException>(() => stream.SetLength(10));
        }

        Assert.Equal(data, test.ReadAllBytes()[..data.Length]);
    }
}
