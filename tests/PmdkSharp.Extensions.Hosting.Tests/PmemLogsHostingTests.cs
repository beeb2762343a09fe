using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Extensions.Hosting.Tests;

/// <summary>Logs from configuration: opened and verified before the host's services start, resolved by key, reported by the health check, disposed after the stop.</summary>
public class PmemLogsHostingTests
{
    private static byte[] Record(int i) => Encoding.ASCII.GetBytes($"order {i}: {new string('x', i % 40)}");

    /// <summary>A service that appends at start, the way an application's own hosted service would use a log.</summary>
    private sealed class Appender([FromKeyedServices("orders")] PmemLog orders) : IHostedService
    {
        public LogPosition First { get; private set; }

        public Task StartAsync(System.Threading.CancellationToken cancellationToken)
        {
            Assert.False(orders.IsReadOnly); // already open: the host opened it before any hosted service started
            First = orders.Append(Record(0));
            return Task.CompletedTask;
        }

        public Task StopAsync(System.Threading.CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public async Task Two_configured_logs_start_take_appends_through_DI_report_healthy_and_close_at_stop(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var orders = new TempPath(directory, ".log");
        using var audit = new TempPath(directory, ".log");
        using IHost host = TestHosts.Build(
            TestHosts.Merge(TestHosts.Log("orders", orders.Path, backend), TestHosts.Log("audit", audit.Path, backend)),
            services => services.AddHostedService<Appender>());

        await host.StartAsync();
        PmemLog log = host.Services.GetRequiredKeyedService<PmemLog>("orders");
        Assert.Same(log, host.Services.GetRequiredService<IPmemLogProvider>().GetLog("ORDERS"));
        Assert.Equal(backend, log.Backend);
        Assert.Equal(16 << 20, log.MaxLength);
        var positions = new List<LogPosition>();
        for (int i = 1; i < 10; i++)
            positions.Add(log.Append(Record(i)));
        PmemLog auditLog = host.Services.GetRequiredKeyedService<PmemLog>("audit");
        auditLog.Append("audited"u8);

        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.True(pmem.Status == HealthStatus.Healthy, pmem.Description);
        Assert.Equal(10L, pmem.Data["logs.orders.records"]);
        Assert.Equal(log.End.Offset, pmem.Data["logs.orders.end"]);
        Assert.Equal(PmemLog.FormatVersion, pmem.Data["logs.orders.format"]);
        Assert.Equal(1L, pmem.Data["logs.audit.records"]);
        Assert.True((long)pmem.Data["logs.orders.freeBytes"] > 0);
        Assert.StartsWith("10 records intact up to ", (string)pmem.Data["logs.orders.verification"]);
        Assert.Contains("orders: 10 records, end ", pmem.Description);

        log.Append(Record(10)); // the next check reads only what was committed since
        pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(11L, pmem.Data["logs.orders.records"]);
        long room = (long)pmem.Data["logs.orders.freeBytes"];

        log.TruncateBefore(positions[4]); // the consumed head (orders 0 to 4) dropped: fewer records, more room
        pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(6L, pmem.Data["logs.orders.records"]);
        Assert.Equal(positions[4].Offset, pmem.Data["logs.orders.start"]);
        Assert.True((long)pmem.Data["logs.orders.freeBytes"] > room);

        await host.StopAsync();
        Assert.Throws<ObjectDisposedException>(() => log.Append(Record(11)));
        Assert.Throws<ObjectDisposedException>(() => host.Services.GetRequiredService<IPmemLogProvider>().GetLog("orders"));
        using var reopened = PmemLog.OpenExisting(orders.Path, readOnly: true);
        int n = 5;
        foreach (LogRecord record in reopened.ReadAll())
            Assert.Equal(Record(n++), record.Payload.ToArray());
        Assert.Equal(11, n);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public async Task A_damaged_log_stops_the_start_naming_its_key_and_the_position(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 16384 }))
        {
            for (int i = 0; i < 6; i++)
                positions.Add(log.Append(Record(i)));
        }
        FlipBitIn(path.Path, Record(4));
        using IHost host = TestHosts.Build(TestHosts.Log("orders", path.Path, backend));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.StartsWith($"Pmem:Logs:orders: the log '{path.Path}' is damaged at position {positions[4]}: ", error.Message);
        Assert.Contains("4 records before it are intact", error.Message);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public async Task Damage_below_the_end_found_by_a_later_check_is_unhealthy(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using IHost host = TestHosts.Build(TestHosts.Log("orders", path.Path, backend));
        await host.StartAsync();
        PmemLog log = host.Services.GetRequiredKeyedService<PmemLog>("orders");
        var positions = Enumerable.Range(0, 5).Select(i => log.Append(Record(i))).ToList();

        FlipBitIn(path.Path, Record(3)); // the medium goes bad under the running service
        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(HealthStatus.Unhealthy, pmem.Status);
        Assert.Contains($"Pmem:Logs:orders: the log '{path.Path}' is damaged below its committed end: damaged at {positions[3]}", pmem.Description);
        await host.StopAsync();
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public async Task A_log_with_less_room_than_its_threshold_is_degraded(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using IHost host = TestHosts.Build(TestHosts.Log("orders", path.Path, backend, maxLength: 64 << 10, degradedBelow: 40 << 10));
        await host.StartAsync();
        PmemLog log = host.Services.GetRequiredKeyedService<PmemLog>("orders");
        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.True(pmem.Status == HealthStatus.Healthy, pmem.Description);

        while ((long)pmem.Data["logs.orders.freeBytes"] >= 40 << 10)
        {
            log.Append(new byte[1000]);
            pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        }
        Assert.Equal(HealthStatus.Degraded, pmem.Status);
        Assert.Contains($"orders has room for {pmem.Data["logs.orders.freeBytes"]} more bytes of records, less than its DegradedBelowFreeBytes ({40 << 10})", pmem.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_log_that_cannot_be_opened_is_unhealthy_and_stops_the_start()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], suffix: ".dir");
        Directory.CreateDirectory(dir.Path);
        using IHost host = TestHosts.Build(TestHosts.Log("orders", dir.Path, PmemBackendKind.Managed));
        HealthReportEntry pmem = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["pmem"];
        Assert.Equal(HealthStatus.Unhealthy, pmem.Status);
        Assert.Contains($"Pmem:Logs:orders: opening the log '{dir.Path}' failed", pmem.Description);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.StartsWith($"Pmem:Logs:orders: opening the log '{dir.Path}' failed", error.Message);
    }

    [Fact]
    public async Task Validation_lists_every_problem_of_every_entry()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], suffix: ".dir");
        Directory.CreateDirectory(dir.Path);
        var settings = new Dictionary<string, string?>
        {
            // One log entry with four problems, none hiding another.
            ["Pmem:Logs:orders:Path"] = "/no/such/directory/orders.log",
            ["Pmem:Logs:orders:Length"] = "4096",
            ["Pmem:Logs:orders:MaxLength"] = "2048",
            ["Pmem:Logs:orders:ReadOnly"] = "true",
            ["Pmem:Logs:orders:DegradedBelowFreeBytes"] = "-1",
            ["Pmem:Logs:audit:Path"] = Path.Combine(dir.Path, "audit.log"),
            ["Pmem:Logs:audit:Mode"] = "Open",
            // A file entry: the missing directory no longer hides MaxLength < Length.
            ["Pmem:Files:records:Path"] = "/no/such/directory/records.bin",
            ["Pmem:Files:records:Length"] = "65536",
            ["Pmem:Files:records:MaxLength"] = "4096",
        };
        using IHost host = TestHosts.Build(settings);

        // Both sections fail: the host reports them together, each with every failure it found.
        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());
        string all = string.Join("\n", error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
        Assert.Contains("Pmem:Logs:orders:Length: (4096) must be at least 8192 bytes", all);
        Assert.Contains("Pmem:Logs:orders:MaxLength: (2048) is less than Length (4096).", all);
        Assert.Contains("Pmem:Logs:orders:ReadOnly: needs Mode = Open, not OpenOrCreate", all);
        Assert.Contains("Pmem:Logs:orders:DegradedBelowFreeBytes: must not be negative (-1).", all);
        Assert.Contains("Pmem:Logs:orders:Path: the directory '/no/such/directory' does not exist.", all);
        Assert.Contains($"Pmem:Logs:audit:Path: '{Path.Combine(dir.Path, "audit.log")}' does not exist and Mode is Open.", all);
        Assert.Contains("Pmem:Files:records:MaxLength: (4096) is less than Length (65536).", all);
        Assert.Contains("Pmem:Files:records:Path: the directory '/no/such/directory' does not exist.", all);
        Assert.Empty(Directory.GetFiles(dir.Path)); // nothing was created
    }

    /// <summary>Flips one bit in the middle of the only copy of <paramref name="payload"/> in the file, as a bad medium would.</summary>
    private static void FlipBitIn(string path, byte[] payload)
    {
        using var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.Open, Backend = PmemBackendKind.Managed });
        long at = file.GetReadOnlySpan(0, (int)file.Length).IndexOf(payload);
        Assert.True(at >= 0, "the payload is not in the file");
        at += payload.Length / 2;
        file.Write(at, (byte)(file.Read<byte>(at) ^ 0x10));
        file.Persist(at, 1);
    }
}
