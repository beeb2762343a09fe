using System.Collections.Generic;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// The host's named logs. Each is opened (and verified, unless its settings say not to) once, at host start or
/// at first use without a host, and disposed once the host has stopped; callers never dispose them.
/// </summary>
public interface IPmemLogProvider
{
    /// <summary>The configured names.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The settings bound for <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No log of that name is configured.</exception>
    PmemLogSettings GetSettings(string name);

    /// <summary>The open log for <paramref name="name"/>, opened on first use.</summary>
    /// <exception cref="KeyNotFoundException">No log of that name is configured.</exception>
    /// <exception cref="System.InvalidOperationException">The log could not be opened, or is damaged below its committed end; the message names its key.</exception>
    PmemLog GetLog(string name);
}
