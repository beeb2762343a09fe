using System;
using System.Collections.Generic;
using System.Linq;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>What <see cref="PmemLifetime{TProvider}"/> asks of a provider: open everything at start, close it at stop.</summary>
internal interface IHostedEntries
{
    /// <summary>Opens every configured entry (a failure stops the host's start).</summary>
    void OpenAll();

    /// <summary>Runs once every hosted service has stopped: whatever the entries need on a graceful stop, then disposal.</summary>
    void Stop();
}

/// <summary>
/// What the file and log providers share: each configured name opened once (at start, or on first use) under one
/// lock, kept until the host stops, then closed. Thread-safe; disposal waits for no caller, which is why the
/// lifetime runs it only after the host has stopped.
/// </summary>
/// <param name="kind">What an entry is, for messages (<c>file</c>, <c>log</c>).</param>
/// <param name="sectionKey">The configuration key of the entries (<c>Pmem:Files</c>).</param>
internal abstract class NamedEntries<TSettings, TEntry>(string kind, string sectionKey) : IHostedEntries, IDisposable
    where TSettings : class
    where TEntry : class
{
    private readonly object gate = new();
    private readonly Dictionary<string, TEntry> opened = new(StringComparer.OrdinalIgnoreCase);
    private bool disposed;

    /// <summary>The configured entries by name.</summary>
    protected abstract Dictionary<string, TSettings> Configured { get; }

    public IReadOnlyCollection<string> Names => Configured.Keys;

    /// <summary>The configuration key of <paramref name="name"/>, e.g. <c>Pmem:Logs:orders</c>.</summary>
    internal string Key(string name) => $"{sectionKey}:{name}";

    public TSettings GetSettings(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Configured.TryGetValue(name, out TSettings? settings)
            ? settings
            : throw new KeyNotFoundException(
                $"No pmem {kind} named '{name}' is configured under {sectionKey} (configured: {string.Join(", ", Names.DefaultIfEmpty("none"))}).");
    }

    /// <summary>The entries opened so far.</summary>
    internal IReadOnlyList<TEntry> Opened
    {
        get
        {
            lock (gate)
                return opened.Values.ToArray();
        }
    }

    public void OpenAll()
    {
        foreach (string name in Names)
            Open(name);
    }

    /// <summary>The entry of <paramref name="name"/>, opened by the first caller.</summary>
    protected TEntry Open(string name)
    {
        TSettings settings = GetSettings(name);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (opened.TryGetValue(name, out TEntry? entry))
                return entry;
            return opened[name] = OpenEntry(name, settings);
        }
    }

    /// <summary>Opens the entry (under the lock: one caller opens, the others wait and share it).</summary>
    protected abstract TEntry OpenEntry(string name, TSettings settings);

    /// <summary>Closes one entry at disposal.</summary>
    protected abstract void Close(TEntry entry);

    public virtual void Stop() => Dispose();

    public void Dispose()
    {
        TEntry[] entries;
        lock (gate)
        {
            if (disposed)
                return;
            disposed = true;
            entries = opened.Values.ToArray();
            opened.Clear();
        }
        foreach (TEntry entry in entries)
            Close(entry);
    }
}
