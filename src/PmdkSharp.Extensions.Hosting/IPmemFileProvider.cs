using System.Collections.Generic;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// The host's named pmem files. Each is opened once (at host start, or at first use without a host) with its
/// configured settings, persisted when the host stops gracefully, then disposed; callers never dispose them.
/// </summary>
public interface IPmemFileProvider
{
    /// <summary>The configured names.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The settings bound for <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No file of that name is configured.</exception>
    PmemFileSettings GetSettings(string name);

    /// <summary>The mapped file for <paramref name="name"/>, opened on first use.</summary>
    /// <exception cref="KeyNotFoundException">No file of that name is configured.</exception>
    PmemFile GetFile(string name);
}
