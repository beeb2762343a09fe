using System;
using System.IO;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// The device-DAX probe on the VM's devdax namespace (PMDKSHARP_DEVDAX): every fact it reports
/// must match sysfs, libpmem and the persistence domain the VM was started with.
/// Runs inside the VM of <c>./build.sh test-dax</c>.
/// </summary>
[Trait("Category", "Dax")]
public unsafe class DeviceDaxTests
{
    private static string DeviceDaxPath => Environment.GetEnvironmentVariable("PMDKSHARP_DEVDAX")
        ?? throw new InvalidOperationException("PMDKSHARP_DEVDAX is not set: run these tests with ./build.sh test-dax");

    private static string Sysfs(string name, string attribute) => File.ReadAllText($"/sys/bus/dax/devices/{name}/{attribute}").Trim();

    [Fact]
    public void The_probe_reports_what_sysfs_says()
    {
        DeviceDaxInfo info = DeviceDax.Probe(DeviceDaxPath) ?? throw new Xunit.Sdk.XunitException($"{DeviceDaxPath} was not recognised as device DAX");

        Assert.Equal(Path.GetFileName(DeviceDaxPath), info.Name);
        Assert.Equal($"{info.Major}:{info.Minor}", Sysfs(info.Name, "dev"));
        Assert.Equal(long.Parse(Sysfs(info.Name, "size")), info.Size);
        Assert.Equal(2L << 20, info.Alignment); // the VM creates the namespace with -a 2M
        Assert.Equal(0, info.Size % info.Alignment);
        string domain = Environment.GetEnvironmentVariable("PMDKSHARP_PERSISTENCE_DOMAIN")!;
        Assert.Equal(domain, info.PersistenceDomain);
        Assert.Equal(domain == "cpu_cache", info.HasAutoFlush);
    }

    [Fact]
    public void A_link_to_the_device_is_the_device()
    {
        using var link = new TempPath(Path.GetTempPath(), ".link");
        File.CreateSymbolicLink(link.Path, DeviceDaxPath);

        DeviceDaxInfo info = DeviceDax.Probe(link.Path)!;
        Assert.Equal(link.Path, info.Path);
        Assert.Equal(Path.GetFileName(DeviceDaxPath), info.Name);
    }

    [Fact]
    public void The_fsdax_block_device_is_not_device_DAX()
    {
        string? fsdax = null;
        foreach (string line in File.ReadAllLines("/proc/mounts"))
        {
            string[] fields = line.Split(' ');
            if (fields[1] == Environment.GetEnvironmentVariable("PMDKSHARP_DAX_DIR"))
                fsdax = fields[0];
        }
        Assert.NotNull(fsdax);
        Assert.Null(DeviceDax.Probe(fsdax)); // a block device: a file to the engine, never a devdax mapping
    }

    [Fact]
    public void Libpmem_maps_exactly_the_size_the_probe_reports()
    {
        DeviceDaxInfo info = DeviceDax.Probe(DeviceDaxPath)!;
        nuint mapped;
        int isPmem;
        void* address = pmem_map_file(DeviceDaxPath, 0, 0, 0, &mapped, &isPmem);
        Assert.True(address != null, $"pmem_map_file({DeviceDaxPath}) failed");
        try
        {
            Assert.Equal((nuint)info.Size, mapped);
            Assert.Equal(1, isPmem);
            Assert.Equal(0u, (nuint)address % (nuint)info.Alignment);
        }
        finally
        {
            pmem_unmap(address, mapped);
        }
    }
}
