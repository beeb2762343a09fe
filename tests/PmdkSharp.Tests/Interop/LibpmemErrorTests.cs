using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Tests.Interop;

/// <summary>
/// How pmem_map_file fails: NULL, errno (captured by the binding's SetLastError) and a
/// thread-local pmem_errormsg that says what went wrong.
/// </summary>
public sealed unsafe class LibpmemErrorTests
{
    private const uint Mode0644 = 0b110_100_100;

    [SkippableFact]
    public void MissingDirectoryFailsWithEnoent()
    {
        using var test = new TestFile(PmemBackendKind.Pmdk, suffix: ".missing");
        string path = Path.Combine(test.Path, "file.pmem");

        (int errno, string message) = MapFails(path, 4096, PMEM_FILE_CREATE);

        Assert.Equal(Libc.ENOENT, errno);
        // libpmem prefixes strerror with the call that failed: "open <path>: No such file or directory".
        Assert.Contains($"open {path}", message);
        Assert.Contains(Marshal.GetPInvokeErrorMessage(Libc.ENOENT), message);
        Assert.False(File.Exists(path));
    }

    [SkippableFact]
    public void ExclusiveCreateOfAnExistingFileFailsWithEexist()
    {
        using var test = new TestFile(PmemBackendKind.Pmdk);
        byte[] contents = Patterns.Bytes(4096, seed: 3);
        File.WriteAllBytes(test.Path, contents);

        (int errno, string message) = MapFails(test.Path, 4096, PMEM_FILE_CREATE | PMEM_FILE_EXCL);

        Assert.Equal(Libc.EEXIST, errno);
        Assert.Contains($"open {test.Path}", message);
        Assert.Contains(Marshal.GetPInvokeErrorMessage(Libc.EEXIST), message);
        Assert.Equal(contents, File.ReadAllBytes(test.Path));
    }

    [SkippableFact]
    public void CreateWithZeroLengthFailsWithEinval()
    {
        using var test = new TestFile(PmemBackendKind.Pmdk);

        (int errno, string message) = MapFails(test.Path, 0, PMEM_FILE_CREATE);

        Assert.Equal(Libc.EINVAL, errno);
        Assert.Contains("zero 'len'", message);
        Assert.Contains("PMEM_FILE_CREATE", message);
        Assert.False(File.Exists(test.Path));
    }

    [SkippableFact]
    public void ALengthWithoutCreateFailsWithEinval()
    {
        using var test = new TestFile(PmemBackendKind.Pmdk);
        File.WriteAllBytes(test.Path, new byte[4096]);

        (int errno, string message) = MapFails(test.Path, 4096, 0);

        Assert.Equal(Libc.EINVAL, errno);
        Assert.Contains("non-zero 'len'", message);
        Assert.Contains("without PMEM_FILE_CREATE", message);
    }

    private static (int Errno, string Message) MapFails(string path, nuint length, int flags)
    {
        nuint mappedLength = 12345;
        int isPmem = 7;
        void* address = pmem_map_file(path, length, flags, Mode0644, &mappedLength, &isPmem);
        int errno = Marshal.GetLastPInvokeError();
        string? message = NativeText.LibpmemErrorMessage();
        if (address != null)
            pmem_unmap(address, mappedLength);

        Assert.True(address == null, $"pmem_map_file('{path}', {length}, {flags}) succeeded");
        Assert.False(string.IsNullOrWhiteSpace(message), "pmem_errormsg is empty");
        return (errno, message!);
    }
}
