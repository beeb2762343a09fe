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
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        using var directory = new TempPath(TestEnvironment.Directories[0], suffix: ".missing");
        string path = Path.Combine(directory.Path, "file.pmem");

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
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        byte[] contents = Patterns.Bytes(4096, seed: 3);
        File.WriteAllBytes(path.Path, contents);

        (int errno, string message) = MapFails(path.Path, 4096, PMEM_FILE_CREATE | PMEM_FILE_EXCL);

        Assert.Equal(Libc.EEXIST, errno);
        Assert.Contains($"open {path.Path}", message);
        Assert.Contains(Marshal.GetPInvokeErrorMessage(Libc.EEXIST), message);
        Assert.Equal(contents, File.ReadAllBytes(path.Path));
    }

    [SkippableFact]
    public void CreateWithZeroLengthFailsWithEinval()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        using var path = new TempPath(TestEnvironment.Directories[0]);

        (int errno, string message) = MapFails(path.Path, 0, PMEM_FILE_CREATE);

        Assert.Equal(Libc.EINVAL, errno);
        Assert.Contains("zero 'len'", message);
        Assert.Contains("PMEM_FILE_CREATE", message);
        Assert.False(File.Exists(path.Path));
    }

    [SkippableFact]
    public void ALengthWithoutCreateFailsWithEinval()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        File.WriteAllBytes(path.Path, new byte[4096]);

        (int errno, string message) = MapFails(path.Path, 4096, 0);

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
