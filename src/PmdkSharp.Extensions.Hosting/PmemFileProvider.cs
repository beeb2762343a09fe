using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Opens each named file once, keeps it (or the type that maps it) until the host stops, and then persists and
/// disposes it. Thread-safe; disposal waits for no caller, which is why it happens only after the host stopped.
/// </summary>
internal sealed class PmemFileProvider(
    IOptions<PmemFilesOptions> options,
    IEnumerable<PmemFileOwnerRegistration> owners,
    PmemFilesSection section,
    IServiceProvider services,
    ILogger<PmemFileProvider> logger) : IPmemFileProvider, IDisposable
{
    internal sealed record Entry(string Name, PmemFileSettings Settings, IDisposable Owner, PmemFile File);

    private readonly object gate = new();
    private readonly Dictionary<string, Entry> opened = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PmemFileOwnerRegistration> ownersByName =
        owners.ToDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);
    private bool disposed;

    public IReadOnlyCollection<string> Names => options.Value.Files.Keys;

    public PmemFileSettings GetSettings(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return options.Value.Files.TryGetValue(name, out PmemFileSettings? settings)
            ? settings
            : throw new KeyNotFoundException(
                $"No pmem file named '{name}' is configured under {section.Path}:Files (configured: {string.Join(", ", Names.DefaultIfEmpty("none"))}).");
    }

    public PmemFile GetFile(string name) => Open(name).File;

    internal IDisposable GetOwner(string name) => Open(name).Owner;

    /// <summary>The files opened so far.</summary>
    internal IReadOnlyList<Entry> Opened
    {
        get
        {
            lock (gate)
                return opened.Values.ToArray();
        }
    }

    internal void OpenAll()
    {
        foreach (string name in Names)
            Open(name);
    }

    private Entry Open(string name)
    {
        PmemFileSettings settings = GetSettings(name);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (opened.TryGetValue(name, out Entry? entry))
                return entry;
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
                throw new InvalidOperationException($"{section.Path}:Files:{name}: opening '{settings.Path}' failed: {e.Message}", e);
            }
            logger.LogInformation(
                "Opened pmem file {Name} at {Path}: {Length} bytes (growable to {MaxLength}), {Backend} backend, pmem {IsPersistentMemory}, {Granularity} granularity",
                name, file.Path, file.Length, file.MaxLength, file.Backend, file.IsPersistentMemory, file.Granularity);
            return opened[name] = new Entry(name, settings, owner, file);
        }
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

    public void Dispose()
    {
        Entry[] entries;
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            entries = opened.Values.ToArray();
            opened.Clear();
        }
        foreach (Entry entry in entries)
        {
            entry.Owner.Dispose();
            entry.File.Dispose(); // a second Dispose does nothing; an owner that forgot its file still releases it
        }
    }
}
