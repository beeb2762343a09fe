using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Opens each named log once (verifying it, unless its settings say not to), keeps it until the host stops, then
/// disposes it (the bookkeeping is <see cref="NamedEntries{TSettings, TEntry}"/>'s).
/// </summary>
internal sealed class PmemLogProvider(
    IOptions<PmemLogsOptions> options,
    PmemLogsSection section,
    TimeProvider clock,
    ILogger<PmemLogProvider> logger)
    : NamedEntries<PmemLogSettings, PmemLogProvider.Entry>("log", $"{section.Path}:Logs"), IPmemLogProvider
{
    internal sealed record Entry(string Name, PmemLogSettings Settings, PmemLog Log, LogVerificationState Verification);

    protected override Dictionary<string, PmemLogSettings> Configured => options.Value.Logs;

    public PmemLog GetLog(string name) => Open(name).Log;

    /// <summary>The open log and its verification state, for the health check.</summary>
    internal Entry GetEntry(string name) => Open(name);

    protected override Entry OpenEntry(string name, PmemLogSettings settings)
    {
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
        return new Entry(name, settings, log, verification);
    }

    protected override void Close(Entry entry)
    {
        LogPosition end = entry.Log.End;
        entry.Log.Dispose(); // every append that returned is durable already: nothing to persist
        logger.LogInformation("Closed pmem log {Name} at end {End}", entry.Name, end);
    }
}

/// <summary>Where the logs' settings live in configuration, for messages that name the key.</summary>
internal sealed record PmemLogsSection(string Path);
