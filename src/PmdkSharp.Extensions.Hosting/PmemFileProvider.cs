using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Opens each named file once, keeps it (or the type that maps it) until the host stops, and then persists and
/// disposes it (the bookkeeping is <see cref="NamedEntries{TSettings, TEntry}"/>'s).
/// </summary>
internal sealed class PmemFileProvider(
    IOptions<PmemFilesOptions> options,
    IEnumerable<PmemFileOwnerRegistration> owners,
    PmemFilesSection section,
    IServiceProvider services,
    ILogger<PmemFileProvider> logger)
    : NamedEntries<PmemFileSettings, PmemFileProvider.Entry>("file", $"{section.Path}:Files"), IPmemFileProvider
{
    internal sealed record Entry(string Name, PmemFileSettings Settings, IDisposable Owner, PmemFile File);

    private readonly Dictionary<string, PmemFileOwnerRegistration> ownersByName =
        owners.ToDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);

    protected override Dictionary<string, PmemFileSettings> Configured => options.Value.Files;

    public PmemFile GetFile(string name) => Open(name).File;

    internal IDisposable GetOwner(string name) => Open(name).Owner;

    protected override Entry OpenEntry(string name, PmemFileSettings settings)
    {
        IDisposable owner;
        PmemFile file;
        try
        {
            if (ownersByName.TryGetValue(name, out PmemFileOwnerRegistration? registration))
            {
                owner = registration.Open(services, settings);
                file = registration.FileOf(owner);
            }
            else
            {
                owner = file = PmemFile.Open(settings.Path, settings.ToOptions());
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"{Key(name)}: opening '{settings.Path}' failed: {e.Message}", e);
        }
        logger.LogInformation(
            "Opened pmem file {Name} at {Path}: {Length} bytes (growable to {MaxLength}), {Backend} backend, pmem {IsPersistentMemory}, {Granularity} granularity",
            name, file.Path, file.Length, file.MaxLength, file.Backend, file.IsPersistentMemory, file.Granularity);
        return new Entry(name, settings, owner, file);
    }

    /// <summary>On a graceful stop: every file persisted (as its settings ask), then disposed.</summary>
    public override void Stop()
    {
        PersistAll();
        Dispose();
    }

    /// <summary>Persists every open writable file whose settings ask for it; a failure is logged and the others still run.</summary>
    internal void PersistAll()
    {
        foreach (Entry entry in Opened)
        {
            if (!entry.Settings.PersistOnShutdown || entry.File.IsReadOnly)
                continue;
            try
            {
                entry.File.Persist();
                logger.LogInformation("Persisted pmem file {Name} ({Length} bytes) on shutdown", entry.Name, entry.File.Length);
            }
            catch (Exception e) when (e is ObjectDisposedException or System.IO.IOException or InvalidOperationException)
            {
                logger.LogError(e, "Persisting pmem file {Name} on shutdown failed", entry.Name);
            }
        }
    }

    protected override void Close(Entry entry)
    {
        entry.Owner.Dispose();
        entry.File.Dispose(); // a second Dispose does nothing; an owner that forgot its file still releases it
    }
}
