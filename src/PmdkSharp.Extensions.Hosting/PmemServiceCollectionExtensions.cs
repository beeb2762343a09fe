using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>Registers PmdkSharp's named files with a host.</summary>
public static class PmemServiceCollectionExtensions
{
    /// <summary>
    /// Binds <paramref name="section"/> (by convention <c>Pmem</c>; see <see cref="PmemFilesOptions"/>), validates it
    /// when the host starts (each failure names its key, e.g. <c>Pmem:Files:records:Length</c>), and registers
    /// <see cref="IPmemFileProvider"/> and, per configured name, a keyed <see cref="PmemFile"/>
    /// (<c>[FromKeyedServices("records")] PmemFile file</c>). The host opens the files as it starts, persists them
    /// once it has stopped gracefully and then disposes them.
    /// </summary>
    public static IServiceCollection AddPmemFiles(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<PmemFilesOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PmemFilesOptions>>(new PmemFilesOptionsValidator(section.Path));
        services.TryAddSingleton(new PmemFilesSection(section.Path));
        services.TryAddSingleton<IPmemFileProvider, PmemFileProvider>();
        services.AddHostedService<PmemLifetime<IPmemFileProvider>>();
        foreach (IConfigurationSection file in section.GetSection("Files").GetChildren())
        {
            services.AddKeyedSingleton<PmemFile>(file.Key,
                (provider, key) => provider.GetRequiredService<IPmemFileProvider>().GetFile((string)key!));
        }
        return services;
    }

    /// <summary>
    /// Binds <paramref name="section"/> (by convention <c>Pmem</c>; see <see cref="PmemLogsOptions"/>), validates it
    /// when the host starts (every problem named by its key, e.g. <c>Pmem:Logs:orders:MaxLength</c>), and registers
    /// <see cref="IPmemLogProvider"/> and, per configured name, a keyed <see cref="PmemLog"/>
    /// (<c>[FromKeyedServices("orders")] PmemLog log</c>). The host opens and verifies the logs as it starts, before
    /// any hosted service starts (a damaged log stops the start, naming its key and the damaged position), and
    /// disposes them once every hosted service has stopped. <see cref="PmemHealthChecksBuilderExtensions.AddPmem"/>
    /// reports each log.
    /// </summary>
    public static IServiceCollection AddPmemLogs(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<PmemLogsOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PmemLogsOptions>>(new PmemLogsOptionsValidator(section.Path));
        services.TryAddSingleton(new PmemLogsSection(section.Path));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPmemLogProvider, PmemLogProvider>();
        services.AddHostedService<PmemLifetime<IPmemLogProvider>>();
        foreach (IConfigurationSection log in section.GetSection("Logs").GetChildren())
        {
            services.AddKeyedSingleton<PmemLog>(log.Key,
                (provider, key) => provider.GetRequiredService<IPmemLogProvider>().GetLog((string)key!));
        }
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="T"/>, a type that maps the named file itself (a log, a store), as a singleton
    /// opened by <paramref name="open"/> with the file's settings. The host opens it with the other files, persists
    /// the file <paramref name="fileOf"/> returns once it has stopped gracefully, then disposes the
    /// <typeparamref name="T"/>. Call <see cref="AddPmemFiles"/> too, with the section that configures <paramref name="name"/>.
    /// </summary>
    public static IServiceCollection AddPmemFile<T>(this IServiceCollection services, string name,
        Func<IServiceProvider, PmemFileSettings, T> open, Func<T, PmemFile> fileOf) where T : class, IDisposable
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(fileOf);
        services.AddSingleton(new PmemFileOwnerRegistration(name, (provider, settings) => open(provider, settings), owner => fileOf((T)owner)));
        services.AddSingleton(provider => (T)((PmemFileProvider)provider.GetRequiredService<IPmemFileProvider>()).GetOwner(name));
        return services;
    }
}
