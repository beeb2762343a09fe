using System;
using System.Collections.Generic;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// The configuration section given to <see cref="PmemServiceCollectionExtensions.AddPmemFiles"/>
/// (by convention <c>Pmem</c>): <c>Files</c> maps each file's name to its <see cref="PmemFileSettings"/>.
/// </summary>
/// <example>
/// <code language="json">
/// "Pmem": { "Files": { "records": { "Path": "/mnt/pmem/records.bin", "Length": 65536, "MaxLength": 1073741824 } } }
/// </code>
/// </example>
public sealed class PmemFilesOptions
{
    /// <summary>The named files; names are case-insensitive, like configuration keys.</summary>
    public Dictionary<string, PmemFileSettings> Files { get; } = new(StringComparer.OrdinalIgnoreCase);
}
