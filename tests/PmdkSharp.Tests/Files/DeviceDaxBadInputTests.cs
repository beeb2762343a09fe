using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// What PmemFile.Open does with paths that look like, or are mistaken for, device DAX, on any
/// machine: character devices that are not DAX, regular files and missing paths named like a
/// device. Each is refused by name before anything is created, truncated or written. The real
/// device is covered in the DAX VM (Dax/DeviceDaxFileTests).
/// </summary>
public class DeviceDaxBadInputTests
{
    public static TheoryData<PmemBackendKind, string, FileMode, bool> CharacterDevices()
    {
        var data = new TheoryData<PmemBackendKind, string, FileMode, bool>();
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
            foreach (string device in new[] { "/dev/null", "/dev/zero" })
            {
                data.Add(backend, device, FileMode.Open, false);
                data.Add(backend, device, FileMode.Open, true);
                data.Add(backend, device, FileMode.OpenOrCreate, false);
                data.Add(backend, device, FileMode.Create, false);
            }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CharacterDevices))]
    public void A_character_device_that_is_not_DAX_is_refused_by_name(PmemBackendKind backend, string device, FileMode mode, bool readOnly)
    {
        TestEnvironment.Require(backend);
        var options = new PmemFileOptions { Backend = backend, Mode = mode, ReadOnly = readOnly, Length = readOnly ? 0 : 4096 };

        IOException refused = Assert.Throws<IOException>(() => PmemFile.Open(device, options).Dispose());

        Assert.Contains($"'{device}' is a character device (1:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not device DAX", refused.Message, StringComparison.Ordinal);
        // Still the device (a Create that truncated or replaced it would have left a regular file).
        Assert.Contains("is a character device", Assert.Throws<IOException>(() => PmdkSharp.Mapping.DeviceDax.Probe(device)).Message, StringComparison.Ordinal);
    }

    public static TheoryData<PmemBackendKind, FileMode, string> RegularFilesNamedLikeDevices()
    {
        var data = new TheoryData<PmemBackendKind, FileMode, string>();
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
            foreach (FileMode mode in new[] { FileMode.Open, FileMode.OpenOrCreate, FileMode.Create, FileMode.CreateNew })
                foreach (string name in new[] { "dax0.0", "dax9.9" })
                    data.Add(backend, mode, name);
        return data;
    }

    /// <summary>
    /// A regular file called daxX.Y is what a write to /dev/daxX.Y leaves behind while the device
    /// is missing; mapping it as a file would hide that. Create must not truncate it either.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(RegularFilesNamedLikeDevices))]
    public void A_regular_file_named_like_a_device_is_refused_and_left_as_it_was(PmemBackendKind backend, FileMode mode, string name)
    {
        TestEnvironment.Require(backend);
        using var directory = new TempPath(TestEnvironment.Directories[0], ".dir");
        Directory.CreateDirectory(directory.Path);
        string fake = Path.Combine(directory.Path, name);
        byte[] content = Patterns.Bytes(8192, seed: 11);
        File.WriteAllBytes(fake, content);

        IOException refused = Assert.Throws<IOException>(() =>
            PmemFile.Open(fake, new PmemFileOptions { Backend = backend, Mode = mode, Length = 4096 }).Dispose());

        Assert.Contains($"'{fake}' is a regular file, not a device-DAX character device", refused.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(fake));
        Assert.Equal(new[] { fake }, Directory.GetFileSystemEntries(directory.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_missing_device_is_not_created_as_a_file(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var directory = new TempPath("/dev/shm", ".dir");
        Directory.CreateDirectory(directory.Path);
        string missing = Path.Combine(directory.Path, "dax9.9");

        foreach (FileMode mode in new[] { FileMode.OpenOrCreate, FileMode.Create, FileMode.CreateNew, FileMode.Open })
        {
            var error = Assert.Throws<FileNotFoundException>(() =>
                PmemFile.Open(missing, new PmemFileOptions { Backend = backend, Mode = mode, Length = 2 << 20 }).Dispose());
            Assert.Contains($"Device DAX '{missing}' does not exist", error.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
        }
    }

    [Fact]
    public void Diagnostics_list_no_device_that_is_not_there()
    {
        PmemDiagnostics diagnostics = PmemRuntime.GetDiagnostics();
        foreach (DeviceDaxDevice device in diagnostics.DeviceDaxDevices)
        {
            Assert.StartsWith("/dev/dax", device.Path, StringComparison.Ordinal);
            Assert.True(device.Size > 0 && device.Alignment > 0 && device.Size % device.Alignment == 0, device.ToString());
        }
        if (Environment.GetEnvironmentVariable("PMDKSHARP_DEVDAX") is null)
            Assert.Equal(Directory.Exists("/sys/bus/dax/devices") ? Directory.GetFileSystemEntries("/sys/bus/dax/devices").Length : 0,
                diagnostics.DeviceDaxDevices.Count);
        Assert.Contains("device DAX: ", diagnostics.ToString(), StringComparison.Ordinal);
    }
}
