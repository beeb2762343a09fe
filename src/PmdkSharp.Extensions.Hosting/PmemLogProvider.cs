using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Opens each named log once (verifying it, unless its settings say not to), keeps it until the host stops, then
/// disposes it. Thread-safe; disposal waits for no caller, which is why it happens only after the host stopped.
/// </summary>
internal sealed class PmemLogProvider(
    IOptions<PmemLogsOptions> options,
    PmemLogsSection section,
    TimeProvider clock,
    ILogger<PmemLogProvider> logger) : IPmemLogProvider, IDisposable
{
    internal sealed record Entry(string Name, PmemLogSettings Settings, PmemLog Log, LogVerificationState Verification);

    private readonly object gate = new();
    private readonly Dictionary<string, Entry> opened = new(StringComparer.OrdinalIgnoreCase);
    private bool disposed;

    public IReadOnlyCollection<string> Names => options.Value.Logs.Keys;

    public PmemLogSettings GetSettings(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return options.Value.Logs.TryGetValue(name, out PmemLogSettings? settings)
            ? settings
            : throw new KeyNotFoundException(
                $"No pmem log named '{name}' is configured under {section.Path}:Logs (configured: {string.Join(", ", Names.DefaultIfEmpty("none"))}).");
    }

    public PmemLog GetLog(string name) => Open(name).Log;

    /// <summary>The open log and its verification state, for the health check.</summary>
    internal Entry GetEntry(string name) => Open(name);

    /// <summary>The configuration key of <paramref name="name"/>, e.g. <c>Pmem:Logs:orders</c>.</summary>
    internal string Key(string name) => $"{section.Path}:Logs:{name}";

    internal void OpenAll()
    {
        foreach (string name in Names)
            Open(name);
    }

    private Entry Open(string name)
    {
        PmemLogSettings settings = GetSettings(name);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (opened.TryGetValue(name, out Entry? entry))
                return entry;
            string key = Key(name);
            PmemLog log;
            try
            {
                log = PmemLog.Open(settings.Path, settings.ToOptions());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"{key}: opening the log '{settings.Path}' failed: {e.Message}", e);
            }
            var verification = new LogVerificationState(clock);
            if (settings.VerifyOnOpen)
            {
                LogCheck check = verification.VerifyAll(log);
                if (!check.IsIntact)
                {
                    log.Dispose();
                    throw new InvalidOperationException(
                        $"{key}: the log '{settings.Path}' is damaged at position {check.DamagedAt}: {check.Damage} " +
                        $"{check.Records} records before it are intact. Inspect it with `pmemsharp log verify`, or set VerifyOnOpen to false to start with it.");
                }
            }
            logger.LogInformation(
                "Opened pmem log {Name} at {Path}: {Verification}, end {End}, {Length} bytes (growable to {MaxLength}), {Backend} backend, pmem {IsPersistentMemory}",
                name, log.Path, verification.Last?.ToString() ?? "not verified", log.End, log.Length, log.MaxLength, log.Backend, log.IsPersistentMemory);
            return opened[name] = new Entry(name, settings, log, verification);
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
            LogPosition end = entry.Log.End;
            entry.Log.Dispose(); // every append that returned is durable already: nothing to persist
            logger.LogInformation("Closed pmem log {Name} at end {End}", entry.Name, end);
        }
    }
}

/// <summary>Where the logs' settings live in configuration, for messages that name the key.</summary>
internal sealed record PmemLogsSection(string Path);
