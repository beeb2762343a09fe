using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Reports the process's PmdkSharp runtime (backend, and whether libpmem came from the package or the system),
/// per configured file: backend, persistent memory or not, store granularity, length, limit and the free
/// space on its file system; and per configured log: records, start and committed end, free room, format and the
/// last verification (which reads only the records committed since the one before). Unhealthy when a file or a
/// log cannot be opened or a log is damaged below its end; degraded when a growable file's file system has less
/// free space than the file still needs to reach its limit (a Grow there would fail), or a log has less room
/// than its <see cref="PmemLogSettings.DegradedBelowFreeBytes"/>.
/// </summary>
internal sealed class PmemHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        PmemDiagnostics runtime = PmemRuntime.GetDiagnostics();
        var data = new Dictionary<string, object>
        {
            ["backend"] = runtime.Backend.ToString(),
            ["libpmemSource"] = runtime.LibpmemSource.ToString(),
            ["libpmemPath"] = runtime.LibpmemPath ?? "",
            ["reason"] = runtime.Reason,
        };
        var problems = new List<string>();
        var shortOfSpace = new List<string>();
        var summaries = new List<string>();
        if (services.GetService<IPmemFileProvider>() is { } files)
            CheckFiles(files, data, problems, shortOfSpace, summaries);
        if (services.GetService<IPmemLogProvider>() is PmemLogProvider logs)
            CheckLogs(logs, data, problems, shortOfSpace, summaries);

        string libpmem = $"libpmem from {runtime.LibpmemSource}";
        if (problems.Count > 0)
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data));
        if (shortOfSpace.Count > 0)
            return Task.FromResult(HealthCheckResult.Degraded(string.Join("; ", shortOfSpace) + $" ({libpmem})", data: data));
        return Task.FromResult(HealthCheckResult.Healthy($"{string.Join("; ", summaries.DefaultIfEmpty("no pmem files or logs"))} ({libpmem})", data));
    }

    private static void CheckFiles(IPmemFileProvider provider, Dictionary<string, object> data, List<string> problems, List<string> shortOfSpace, List<string> summaries)
    {
        foreach (string name in provider.Names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase))
        {
            string prefix = $"files.{name}.";
            PmemFile file;
            try
            {
                file = provider.GetFile(name);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                problems.Add($"{name}: {e.Message}");
                continue;
            }
            long free = FreeBytes(file.Path);
            long needed = file.MaxLength - file.Length;
            data[prefix + "path"] = file.Path;
            data[prefix + "backend"] = file.Backend.ToString();
            data[prefix + "persistentMemory"] = file.IsPersistentMemory;
            data[prefix + "granularity"] = file.Granularity.ToString();
            data[prefix + "length"] = file.Length;
            data[prefix + "maxLength"] = file.MaxLength;
            data[prefix + "freeBytes"] = free;
            summaries.Add($"{name}: {file.Backend}, {(file.IsPersistentMemory ? "pmem" : "not pmem")}, {file.Granularity} granularity, {free} bytes free");
            if (needed > 0 && free < needed)
                shortOfSpace.Add($"{name} needs {needed} more bytes to reach its MaxLength, {free} are free");
        }
    }

    private static void CheckLogs(PmemLogProvider provider, Dictionary<string, object> data, List<string> problems, List<string> shortOfSpace, List<string> summaries)
    {
        foreach (string name in provider.Names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase))
        {
            string prefix = $"logs.{name}.";
            PmemLogProvider.Entry entry;
            LogCheck check;
            try
            {
                entry = provider.GetEntry(name);
                check = entry.Verification.Refresh(entry.Log);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                problems.Add($"{name}: {e.Message}");
                continue;
            }
            PmemLog log = entry.Log;
            long free = LogRoom.FreeBytes(log);
            data[prefix + "path"] = log.Path;
            data[prefix + "format"] = log.FileFormatVersion;
            data[prefix + "records"] = check.Records;
            data[prefix + "start"] = log.Start.Offset;
            data[prefix + "end"] = log.End.Offset;
            data[prefix + "length"] = log.Length;
            data[prefix + "maxLength"] = log.MaxLength;
            data[prefix + "capacity"] = log.Capacity;
            data[prefix + "freeBytes"] = free;
            data[prefix + "verification"] = check.ToString();
            data[prefix + "verifiedAt"] = check.At;
            if (!check.IsIntact)
            {
                problems.Add($"{provider.Key(name)}: the log '{log.Path}' is damaged below its committed end: {check}");
                continue;
            }
            summaries.Add($"{name}: {check.Records} records, end {log.End}, {free} bytes of room");
            if (free < entry.Settings.DegradedBelowFreeBytes)
                shortOfSpace.Add($"{name} has room for {free} more bytes of records, less than its DegradedBelowFreeBytes ({entry.Settings.DegradedBelowFreeBytes})");
        }
    }

    private static long FreeBytes(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return new DriveInfo(directory).AvailableFreeSpace; // statvfs of the file's own file system
    }
}
