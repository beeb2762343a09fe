using System;

namespace PmdkSharp;

/// <summary>
/// The PMDK backend was asked for explicitly (option or PMDKSHARP_BACKEND=pmdk) but libpmem
/// could not be loaded; <see cref="Exception.Message"/> says why.
/// </summary>
public sealed class PmemBackendUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with the reason libpmem was not usable.</summary>
    public PmemBackendUnavailableException(string message) : base(message) { }
}
