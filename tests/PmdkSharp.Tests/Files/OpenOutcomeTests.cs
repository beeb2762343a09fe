using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// What Open leaves behind: whether it created the file, no file when it fails after creating
/// one, an empty file sized to Length in every writable mode, and a clear refusal of files
/// that are not regular files. Each case runs on both backends.
/// </summary>
public sealed class OpenOutcomeTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void WasCreatedSaysWhetherOpenMadeTheFile(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        var options = new PmemFileOptions { Backend = backend, Length = 8192 };

        using (var created = PmemFile.Open(path.Path, options))
            Assert.True(created.WasCreated);
        using (var opened = PmemFile.Open(path.Path, options))
            Assert.False(opened.WasCreated);
        using (var existing = PmemFile.OpenExisting(path.Path))
            Assert.False(existing.WasCreated);
        using (var replaced = PmemFile.Open(path.Path, options with { Mode = FileMode.Create }))
            Assert.False(replaced.WasCreated); // truncated and resized, not created
        File.Delete(path.Path);
        using (var createdNew = PmemFile.Open(path.Path, options with { Mode = FileMode.CreateNew }))
            Assert.True(createdNew.WasCreated);
        File.Delete(path.Path);
        using (var createdByCreate = PmemFile.Open(path.Path, options with { Mode = FileMode.Create }))
            Assert.True(createdByCreate.WasCreated);
    }

    /// <summary>A reservation the kernel refuses (more address space than the process has) fails Open after the file was created: the file must go.</summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void RefusedReservationRemovesTheFileOpenCreated(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        var options = new PmemFileOptions { Backend = backend, Length = 4096, MaxLength = 1L << 60, Preallocation = Preallocation.Sparse };

        IOException refused = Assert.ThrowsAny<IOException>(() => PmemFile.Open(path.Path, options));
        Assert.Contains("address reservation", refused.Message);

        Assert.False(File.Exists(path.Path), "a file Open created must not survive its failure");
    }

    /// <summary>The same refusal on a file that already existed leaves it as it was: only what Open created is removed.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void RefusedReservationKeepsAnExistingFile(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        byte[] contents = Patterns.Bytes(4096, seed: 131);
        File.WriteAllBytes(path.Path, contents);

        Assert.ThrowsAny<IOException>(() =>
            PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = FileMode.Open, MaxLength = 1L << 60 }));

        Assert.Equal(contents, File.ReadAllBytes(path.Path));
    }

    /// <summary>ENOSPC while sizing a new 4 MiB file on a 1 MiB tmpfs: no 0-byte file is left behind, in every preallocation mode that allocates.</summary>
    [SkippableTheory]
    [InlineData(PmemBackendKind.Pmdk, Preallocation.Allocate)]
    [InlineData(PmemBackendKind.Managed, Preallocation.Allocate)]
    [InlineData(PmemBackendKind.Pmdk, Preallocation.ZeroFill)]
    [InlineData(PmemBackendKind.Managed, Preallocation.ZeroFill)]
    public void NoSpaceAtCreateRemovesTheFile(PmemBackendKind backend, Preallocation preallocation)
    {
        TestEnvironment.Require(backend);
        using var mount = SmallTmpfs.Mount(sizeMiB: 1);
        string path = Path.Combine(mount.Directory, "full.pmem");

        Assert.Throws<PmemOutOfSpaceException>(() =>
            PmemFile.Open(path, new PmemFileOptions { Backend = backend, Length = 4 << 20, Preallocation = preallocation }));

        Assert.False(File.Exists(path), "a file Open created must not survive ENOSPC");
        Assert.Empty(Directory.GetFileSystemEntries(mount.Directory));
    }

    /// <summary>
    /// Mode = Open on an existing empty file with a Length sizes it to Length, exactly as
    /// OpenOrCreate does (the documented "length of a created (or empty) file").
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void OpenModeSizesAnEmptyFileToLengthLikeOpenOrCreate(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        foreach (FileMode mode in new[] { FileMode.Open, FileMode.OpenOrCreate })
        {
            using var path = new TempPath(directory);
            File.WriteAllBytes(path.Path, Array.Empty<byte>());

            using (var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = mode, Length = 12288 }))
            {
                Assert.Equal(12288, file.Length);
                Assert.False(file.WasCreated);
                file.Write(12287, (byte)7);
                file.Persist();
            }
            Assert.Equal(12288, new FileInfo(path.Path).Length);
        }
    }

    /// <summary>A read-only mapping cannot extend the file: an empty file maps empty, whatever Length says, and stays empty.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void ReadOnlyOpenOfAnEmptyFileMapsItEmpty(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        File.WriteAllBytes(path.Path, Array.Empty<byte>());

        using (var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true, Length = 4096 }))
            Assert.Equal(0, file.Length);
        Assert.Equal(0, new FileInfo(path.Path).Length);
    }

    public static TheoryData<PmemBackendKind, string, bool> SpecialFiles()
    {
        var data = new TheoryData<PmemBackendKind, string, bool>();
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
            foreach (string file in new[] { "/proc/self/status", "/dev/null", "fifo" })
                foreach (bool readOnly in new[] { false, true })
                    data.Add(backend, file, readOnly);
        return data;
    }

    /// <summary>Pipes, devices and /proc files are refused with the path and the reason, read-only or not, never mapped as 0 bytes.</summary>
    [SkippableTheory]
    [MemberData(nameof(SpecialFiles))]
    public void NonRegularFilesAreRefusedByName(PmemBackendKind backend, string special, bool readOnly)
    {
        TestEnvironment.Require(backend);
        using var fifo = new TempPath("/dev/shm", ".fifo");
        string path = special;
        if (special == "fifo")
        {
            MakeFifo(fifo.Path);
            path = fifo.Path;
        }

        var options = new PmemFileOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = readOnly, Length = readOnly ? 0 : 4096 };
        // On a thread of its own: if a FIFO were opened before being checked, open(2) for reading alone
        // would wait for a writer forever; this way that shows as a failure, not a hung run.
        var open = System.Threading.Tasks.Task.Run(() => Record.Exception(() => PmemFile.Open(path, options).Dispose()));
        Assert.True(open.Wait(TimeSpan.FromSeconds(30)), $"PmemFile.Open('{path}') blocked");
        IOException refused = Assert.IsType<IOException>(open.Result);

        if (special == "/dev/null")
        {
            // A character device is asked first whether it is device DAX, and refused as not being one.
            Assert.Contains($"'{path}' is a character device (1:3, subsystem 'mem'), not device DAX", refused.Message);
            return;
        }
        Assert.Contains($"Cannot map '{path}': it is not a regular file", refused.Message);
        if (special == "fifo")
            Assert.Contains("pipe", refused.Message);
        if (special == "/proc/self/status")
            Assert.Contains("generated by the kernel", refused.Message);
    }

    [Theory]
    [InlineData(Architecture.X64, true)]
    [InlineData(Architecture.Arm64, true)]
    [InlineData(Architecture.X86, false)]
    [InlineData(Architecture.Arm, false)]
    [InlineData(Architecture.LoongArch64, false)]
    [InlineData(Architecture.S390x, false)]
    public void OnlyX64AndArm64LinuxAreSupported(Architecture architecture, bool supported)
    {
        Exception? refused = Record.Exception(() => PlatformSupport.EnsureSupported(isLinux: true, architecture));
        if (supported)
        {
            Assert.Null(refused);
            return;
        }
        Assert.IsType<PlatformNotSupportedException>(refused);
        Assert.Contains($"this process is {architecture}", refused!.Message);

        Exception notLinux = Assert.Throws<PlatformNotSupportedException>(() => PlatformSupport.EnsureSupported(isLinux: false, Architecture.X64));
        Assert.Contains("Linux only", notLinux.Message);
    }

    private static void MakeFifo(string path)
    {
        using Process mkfifo = Process.Start(new ProcessStartInfo("mkfifo", path) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
