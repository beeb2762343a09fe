using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>Adds PmdkSharp's health check.</summary>
public static class PmemHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check (named <paramref name="name"/>) reporting the backend, where libpmem came from (package or system)
    /// and, per file registered with <see cref="PmemServiceCollectionExtensions.AddPmemFiles"/>: backend, pmem or not,
    /// granularity, length, limit and free space; per log registered with <see cref="PmemServiceCollectionExtensions.AddPmemLogs"/>:
    /// records, committed end, free room, format and the last verification. <paramref name="failureStatus"/> (default
    /// Unhealthy) is reported when a file or log cannot be opened or a log is damaged below its end; Degraded when a
    /// growable file's file system cannot hold it at its limit or a log has less room than its DegradedBelowFreeBytes.
    /// </summary>
    public static IHealthChecksBuilder AddPmem(this IHealthChecksBuilder builder, string name = "pmem",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        builder.AddCheck<PmemHealthCheck>(name, failureStatus, tags ?? []);
}
