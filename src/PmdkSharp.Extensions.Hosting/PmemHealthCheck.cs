using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Reports the process's PmdkSharp runtime (backend, and whether libpmem came from the package or the system)
/// and, per configured file: backend, persistent memory or not, store granularity, length, limit and the free
/// space on its file system. Unhealthy when a file cannot be opened; degraded when a growable file's file system
/// has less free space than the file still needs to reach its limit (a Grow there would fail).
/// </summary>
internal sealed class PmemHealthCheck(IPmemFileProvider provider) : IHealthCheck
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

        string libpmem = $"libpmem from {runtime.LibpmemSource}";
        if (problems.Count > 0)
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data));
        if (shortOfSpace.Count > 0)
            return Task.FromResult(HealthCheckResult.Degraded(string.Join("; ", shortOfSpace) + $" ({libpmem})", data: data));
        return Task.FromResult(HealthCheckResult.Healthy($"{string.Join("; ", summaries.DefaultIfEmpty("no pmem files"))} ({libpmem})", data));
    }

    private static long FreeBytes(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return new DriveInfo(directory).AvailableFreeSpace; // statvfs of the file's own file system
    }
}
