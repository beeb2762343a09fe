using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Extensions.Hosting.Tests;

public class PmemFilesHostingTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public async Task A_configured_file_is_opened_at_start_shared_through_DI_then_persisted_and_disposed_at_stop(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        using IHost host = TestHosts.Build(TestHosts.File("records", path.Path, backend, 65536, 1 << 20));
        var provider = host.Services.GetRequiredService<IPmemFileProvider>();

        await host.StartAsync();
        Assert.True(File.Exists(path.Path), "the file is created while the host starts, before first use");
        PmemFile file = provider.GetFile("records");
        Assert.Same(file, host.Services.GetRequiredKeyedService<PmemFile>("records"));
        Assert.Same(file, provider.GetFile("RECORDS")); // names are case-insensitive, like configuration keys
        Assert.Equal(backend, file.Backend);
        Assert.Equal(1 << 20, file.MaxLength); // MaxLength from configuration: growable
        file.Grow(131072);
        file.GetSpan(131072 - 5, 5).Fill(0x5A); // written, never persisted by the test

        using var persisted = new PersistedBytes();
        await host.StopAsync();
        Assert.True(persisted.Total >= 131072, $"the host persisted {persisted.Total} bytes at stop, expected the whole file");
        Assert.Throws<ObjectDisposedException>(() => file.Length);
        Assert.Throws<ObjectDisposedException>(() => provider.GetFile("records"));
        byte[] contents = File.ReadAllBytes(path.Path);
        Assert.Equal(131072, contents.Length);
        Assert.All(contents[^5..], b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public async Task Invalid_settings_stop_the_start_with_messages_naming_each_key()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], suffix: ".dir");
        Directory.CreateDirectory(dir.Path);
        var settings = TestHosts.File("records", Path.Combine(dir.Path, "records.bin"), PmemBackendKind.Managed, 65536, 4096);
        settings["Pmem:Files:nowhere:Path"] = "/no/such/directory/file.bin";
        settings["Pmem:Files:nowhere:Length"] = "4096";
        settings["Pmem:Files:empty:Length"] = "4096";
        settings["Pmem:Files:zero:Path"] = Path.Combine(dir.Path, "zero.bin");
        using IHost host = TestHosts.Build(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Pmem:Files:records:MaxLength: (4096) is less than Length (65536)", error.Message);
        Assert.Contains("Pmem:Files:nowhere:Path: the directory '/no/such/directory' does not exist", error.Message);
        Assert.Contains("Pmem:Files:empty:Path: is required", error.Message);
        Assert.Contains("Pmem:Files:zero:Length: must be positive", error.Message);
        Assert.Empty(Directory.GetFiles(dir.Path)); // nothing was created
    }

    [Fact]
    public async Task A_file_that_cannot_be_mapped_stops_the_start_naming_its_key()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], suffix: ".dir");
        Directory.CreateDirectory(dir.Path); // a directory where the file should be: passes validation, fails to open
        using IHost host = TestHosts.Build(TestHosts.File("records", dir.Path, PmemBackendKind.Managed, 65536));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.StartsWith($"Pmem:Files:records: opening '{dir.Path}' failed", error.Message);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public async Task A_type_that_maps_its_file_itself_is_opened_persisted_and_disposed_by_the_host(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using IHost host = TestHosts.Build(TestHosts.File("counter", path.Path, backend, 4096),
            services => services.AddPmemFile("counter", (_, s) => new Counter(PmemFile.Open(s.Path, s.ToOptions())), c => c.File));

        await host.StartAsync();
        var counter = host.Services.GetRequiredService<Counter>();
        Assert.Same(counter.File, host.Services.GetRequiredService<IPmemFileProvider>().GetFile("counter"));
        Assert.Equal(backend, counter.File.Backend);
        counter.File.Write(0, 41L + 1);

        using var persisted = new PersistedBytes();
        await host.StopAsync();
        Assert.True(persisted.Total >= 4096, $"the host persisted {persisted.Total} bytes at stop");
        Assert.True(counter.Disposed);
        Assert.Equal(42L, BitConverter.ToInt64(File.ReadAllBytes(path.Path), 0));
    }

    [Fact]
    public void Asking_for_an_unconfigured_name_lists_the_configured_ones()
    {
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using IHost host = TestHosts.Build(TestHosts.File("records", path.Path, PmemBackendKind.Managed, 4096));
        var error = Assert.Throws<KeyNotFoundException>(() => host.Services.GetRequiredService<IPmemFileProvider>().GetFile("recrods"));
        Assert.Contains("'recrods'", error.Message);
        Assert.Contains("Pmem:Files (configured: records)", error.Message);
        Assert.Equal(new[] { "records" }, host.Services.GetRequiredService<IPmemFileProvider>().Names.ToArray());
    }

    private sealed class Counter(PmemFile file) : IDisposable
    {
        public PmemFile File { get; } = file;

        public bool Disposed { get; private set; }

        public void Dispose()
        {
            Disposed = true;
            File.Dispose();
        }
    }
}
