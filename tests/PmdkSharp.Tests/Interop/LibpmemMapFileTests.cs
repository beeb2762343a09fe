using System;
using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Tests.Interop;

/// <summary>pmem_map_file, pmem_memcpy_persist / pmem_msync and pmem_unmap through the generated bindings.</summary>
public sealed unsafe class LibpmemMapFileTests
{
    private const uint Mode0644 = 0b110_100_100;
    private const int Length = 4 << 20;

    [SkippableTheory]
    [ClassData(typeof(AllDirectories))]
    public void MapsWritesPersistsAndUnmapsAFileItCreates(string directory)
    {
        using var test = new TestFile(PmemBackendKind.Pmdk, directory);
        byte[] pattern = Patterns.Bytes(Length, seed: 1);

        nuint mappedLength;
        int isPmem;
        byte* address = (byte*)pmem_map_file(test.Path, Length, PMEM_FILE_CREATE, Mode0644, &mappedLength, &isPmem);
        Assert.True(address != null, $"pmem_map_file: errno {Marshal.GetLastPInvokeError()}, {NativeText.LibpmemErrorMessage()}");
        try
        {
            Assert.Equal((nuint)Length, mappedLength);
            Assert.Equal(TestEnvironment.ExpectPmem(directory) ? 1 : 0, isPmem);
            Assert.Equal(isPmem, pmem_is_pmem(address, mappedLength));
            // No alignment check: libpmem asks for a 2 MiB-aligned address only as a hint (no MAP_FIXED),
            // so a thread that maps memory meanwhile (a parallel test) can move the mapping elsewhere.

            fixed (byte* source = pattern)
            {
                if (isPmem == 1)
                {
                    Assert.True(pmem_memcpy_persist(address, source, mappedLength) == address);
                }
                else
                {
                    // pmem_persist is only correct on persistent memory; elsewhere the page cache needs msync.
                    Buffer.MemoryCopy(source, address, Length, Length);
                    Assert.Equal(0, pmem_msync(address, mappedLength));
                }
            }
        }
        finally
        {
            Assert.Equal(0, pmem_unmap(address, mappedLength));
        }

        Assert.Equal(Length, new FileInfo(test.Path).Length);
        Assert.Equal(pattern, ReadBack(test.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(AllDirectories))]
    public void MapsAWholeExistingFileWhenLengthIsZero(string directory)
    {
        using var test = new TestFile(PmemBackendKind.Pmdk, directory);
        byte[] pattern = Patterns.Bytes(64 << 10, seed: 2);
        File.WriteAllBytes(test.Path, pattern);

        nuint mappedLength;
        int isPmem;
        byte* address = (byte*)pmem_map_file(test.Path, 0, 0, 0, &mappedLength, &isPmem);
        Assert.True(address != null, $"pmem_map_file: errno {Marshal.GetLastPInvokeError()}, {NativeText.LibpmemErrorMessage()}");
        try
        {
            Assert.Equal((nuint)pattern.Length, mappedLength);
            Assert.Equal(TestEnvironment.ExpectPmem(directory) ? 1 : 0, isPmem);
            Assert.True(new ReadOnlySpan<byte>(address, pattern.Length).SequenceEqual(pattern));

            pmem_memset_nodrain(address, 0x5A, 4096);
            if (isPmem == 1)
                pmem_drain();
            else
                Assert.Equal(0, pmem_msync(address, 4096));
        }
        finally
        {
            Assert.Equal(0, pmem_unmap(address, mappedLength));
        }

        byte[] expected = (byte[])pattern.Clone();
        expected.AsSpan(0, 4096).Fill(0x5A);
        Assert.Equal(expected, ReadBack(test.Path));
    }

    private static byte[] ReadBack(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
