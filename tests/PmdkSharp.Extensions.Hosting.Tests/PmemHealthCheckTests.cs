using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Extensions.Hosting.Tests;

public class PmemHealthCheckTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public async Task Reports_backend_pmem_granularity_free_space_and_where_libpmem_came_from(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        using IHost host = TestHosts.Build(TestHosts.File("records", path.Path, backend, 65536, 1 << 20));
        await host.StartAsync();

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        HealthReportEntry pmem = report.Entries["pmem"];
        Assert.True(pmem.Status == HealthStatus.Healthy, pmem.Description);
        PmemDiagnostics runtime = PmemRuntime.GetDiagnostics();
        Assert.Equal(runtime.Backend.ToString(), pmem.Data["backend"]);
        Assert.Equal(runtime.LibpmemSource.ToString(), pmem.Data["libpmemSource"]);
        Assert.Equal(backend.ToString(), pmem.Data["files.records.backend"]);
        Assert.Equal(TestEnvironment.ExpectPmem(directory), pmem.Data["files.records.persistentMemory"]);
        Assert.Equal(TestEnvironment.ExpectPmem(directory) ? "CacheLine" : "Page", pmem.Data["files.records.granularity"]);
        Assert.Equal(new DriveInfo(directory).AvailableFreeSpace, (long)pmem.Data["files.records.freeBytes"], 64L << 20);
        Assert.Contains($"libpmem from {runtime.LibpmemSource}", pmem.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_growable_file_whose_file_system_cannot_hold_its_limit_is_degraded()
    {
        string directory = TestEnvironment.Directories[0];
        using var path = new TempPath(directory);
        long free = new DriveInfo(directory).AvailableFreeSpace;
        long limit = (free + (4L << 30)) & ~((2L << 20) - 1); // 4 GiB more than is free: address space only, never allocated
        using IHost host = TestHosts.Build(TestHosts.File("big", path.Path, PmemBackendKind.Managed, 65536, limit));
        await host.StartAsync();

        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(HealthStatus.Degraded, pmem.Status);
        Assert.Contains($"big needs {limit - 65536} more bytes to reach its MaxLength", pmem.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_is_unhealthy()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], suffix: ".dir");
        Directory.CreateDirectory(dir.Path);
        using IHost host = TestHosts.Build(TestHosts.File("records", dir.Path, PmemBackendKind.Managed, 65536));
        // Not started: the check runs the way a probe would against a host whose file went bad.
        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(HealthStatus.Unhealthy, pmem.Status);
        Assert.Contains("Pmem:Files:records: opening", pmem.Description);
    }
}
