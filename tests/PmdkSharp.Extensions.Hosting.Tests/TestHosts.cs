using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The persist counter read by these tests is process-wide: one test at a time keeps its deltas its own.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace PmdkSharp.Extensions.Hosting.Tests;

/// <summary>Real Generic Hosts built from in-memory configuration, the way an application's appsettings.json feeds one.</summary>
internal static class TestHosts
{
    public static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPmemFiles(builder.Configuration.GetSection("Pmem"));
        builder.Services.AddPmemLogs(builder.Configuration.GetSection("Pmem"));
        builder.Services.AddHealthChecks().AddPmem();
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    public static Dictionary<string, string?> Log(string name, string path, PmemBackendKind backend, long maxLength = 16 << 20, long degradedBelow = 0) => new()
    {
        [$"Pmem:Logs:{name}:Path"] = path,
        [$"Pmem:Logs:{name}:Length"] = "16384",
        [$"Pmem:Logs:{name}:MaxLength"] = maxLength.ToString(),
        [$"Pmem:Logs:{name}:Backend"] = backend.ToString(),
        [$"Pmem:Logs:{name}:DegradedBelowFreeBytes"] = degradedBelow.ToString(),
    };

    /// <summary>The settings of every dictionary, later ones winning.</summary>
    public static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts)
    {
        var all = new Dictionary<string, string?>();
        foreach (var part in parts)
            foreach ((string key, string? value) in part)
                all[key] = value;
        return all;
    }

    public static Dictionary<string, string?> File(string name, string path, PmemBackendKind backend, long length, long? maxLength = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Pmem:Files:{name}:Path"] = path,
            [$"Pmem:Files:{name}:Length"] = length.ToString(),
            [$"Pmem:Files:{name}:Backend"] = backend.ToString(),
        };
        if (maxLength is { } max)
            settings[$"Pmem:Files:{name}:MaxLength"] = max.ToString();
        return settings;
    }
}

/// <summary>Sums <c>pmdksharp.persist.bytes</c> while alive: the library's own record of what was made durable.</summary>
internal sealed class PersistedBytes : IDisposable
{
    private readonly MeterListener listener = new();
    private long total;

    public PersistedBytes()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PmemMetrics.MeterName && instrument.Name == "pmdksharp.persist.bytes")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
        listener.Start();
    }

    public long Total => Interlocked.Read(ref total);

    public void Dispose() => listener.Dispose();
}
