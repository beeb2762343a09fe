using System;
using System.IO;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Mapping;

/// <summary>
/// The device-DAX probe on what every machine has: character devices that are not DAX, regular
/// files and missing paths, some named like a device. The DAX VM checks real devices
/// (Dax/DeviceDaxTests).
/// </summary>
public unsafe class DeviceDaxProbeTests
{
    [Fact]
    public void The_statx_binding_has_the_kernel_layout() =>
        Assert.Equal(256, sizeof(PmdkSharp.Interop.statx)); // struct statx is 0x100 bytes in every kernel since 4.11

    [Theory]
    [InlineData("/dev/null", "1:3")]
    [InlineData("/dev/zero", "1:5")]
    public void A_character_device_that_is_not_DAX_is_refused_by_name(string device, string number)
    {
        IOException error = Assert.Throws<IOException>(() => DeviceDax.Probe(device));

        Assert.Contains($"'{device}' is a character device ({number}, subsystem 'mem'), not device DAX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_character_device_is_judged_by_its_target()
    {
        using var link = new TempPath(TestEnvironment.Directories[0], ".link");
        File.CreateSymbolicLink(link.Path, "/dev/zero");

        IOException error = Assert.Throws<IOException>(() => DeviceDax.Probe(link.Path));
        Assert.Contains("(1:5, subsystem 'mem'), not device DAX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regular_file_named_like_a_device_is_refused()
    {
        using var directory = new TempPath(TestEnvironment.Directories[0], ".dir");
        Directory.CreateDirectory(directory.Path);
        string fake = Path.Combine(directory.Path, "dax0.0");
        File.WriteAllBytes(fake, new byte[4096]);

        IOException error = Assert.Throws<IOException>(() => DeviceDax.Probe(fake));
        Assert.Contains($"'{fake}' is a regular file, not a device-DAX character device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_device_is_not_found_and_nothing_is_created()
    {
        using var directory = new TempPath(TestEnvironment.Directories[0], ".dir");
        Directory.CreateDirectory(directory.Path);
        string missing = Path.Combine(directory.Path, "dax7.3");

        var error = Assert.Throws<FileNotFoundException>(() => DeviceDax.Probe(missing));
        Assert.Contains($"Device DAX '{missing}' does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void Files_directories_and_missing_paths_are_left_to_the_file_opener()
    {
        using var file = new TempPath(TestEnvironment.Directories[0]);
        File.WriteAllBytes(file.Path, new byte[16]);

        Assert.Null(DeviceDax.Probe(file.Path));
        Assert.Null(DeviceDax.Probe(TestEnvironment.Directories[0]));
        Assert.Null(DeviceDax.Probe(file.Path + ".missing"));
        Assert.Null(DeviceDax.Probe(Path.Combine(file.Path, "under-a-file"))); // ENOTDIR
        Assert.Null(DeviceDax.Probe("/dev/loop-control-does-not-exist"));
    }

    [Theory]
    [InlineData("dax0.0", true)]
    [InlineData("/dev/dax12.345", true)]
    [InlineData("dax0", false)]
    [InlineData("dax0.0.pmem", false)]
    [InlineData("pmem0.1", false)]
    public void Device_DAX_names_are_recognised(string path, bool expected) =>
        Assert.Equal(expected, DeviceDax.LooksLikeDeviceDax(path));
}
