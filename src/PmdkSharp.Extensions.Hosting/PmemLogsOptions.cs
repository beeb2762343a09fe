using System;
using System.Collections.Generic;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// The configuration section given to <see cref="PmemServiceCollectionExtensions.AddPmemLogs"/> (by convention
/// <c>Pmem</c>, the same one as <see cref="PmemFilesOptions"/>): <c>Logs</c> maps each log's name to its <see cref="PmemLogSettings"/>.
/// </summary>
/// <example>
/// <code language="json">
/// "Pmem": { "Logs": { "orders": { "Path": "/mnt/pmem/orders.log", "MaxLength": 1073741824, "DegradedBelowFreeBytes": 67108864 } } }
/// </code>
/// </example>
public sealed class PmemLogsOptions
{
    /// <summary>The named logs; names are case-insensitive, like configuration keys.</summary>
    public Dictionary<string, PmemLogSettings> Logs { get; } = new(StringComparer.OrdinalIgnoreCase);
}
