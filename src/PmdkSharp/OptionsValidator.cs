using System;
using System.IO;

namespace PmdkSharp;

/// <summary>Rejects inconsistent <see cref="PmemFileOptions"/> before any file is touched: the shared <see cref="OptionRules"/>, then what only an open checks.</summary>
internal static class OptionsValidator
{
    /// <param name="path">The path to open.</param>
    /// <param name="options">The options asked for.</param>
    /// <param name="probe">What is at the path now: a device has rules of its own, and whether a file exists decides whether it is created.</param>
    public static void Validate(string path, PmemFileOptions options, Mapping.PathProbe probe)
    {
        bool creates = probe.Device is null && OptionRules.Creates(options.Mode, probe.IsFile);
        foreach (OptionProblem problem in OptionRules.Check(path, options.Mode, options.ReadOnly, options.Length, options.MaxLength, creates))
            throw problem.ToException();
        if (!Enum.IsDefined(options.Preallocation))
            throw new ArgumentOutOfRangeException(nameof(options), options.Preallocation, "Unknown preallocation mode.");
        if (!Enum.IsDefined(options.Prefault))
            throw new ArgumentOutOfRangeException(nameof(options), options.Prefault, "Unknown prefault mode.");
        if (!Enum.IsDefined(options.Backend))
            throw new ArgumentOutOfRangeException(nameof(options), options.Backend, "Unknown backend.");
        if (probe.Device is { } device)
            Mapping.DeviceDaxOptions.Validate(device, options);
    }
}
