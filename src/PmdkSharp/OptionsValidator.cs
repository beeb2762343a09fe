using System;
using System.IO;

namespace PmdkSharp;

/// <summary>Rejects inconsistent <see cref="PmemFileOptions"/> before any file is touched.</summary>
internal static class OptionsValidator
{
    /// <param name="path">The path to open.</param>
    /// <param name="options">The options asked for.</param>
    /// <param name="probe">What is at the path now: a device has rules of its own, and whether a file exists decides whether it is created.</param>
    public static void Validate(string path, PmemFileOptions options, Mapping.PathProbe probe)
    {
        if (options.Mode is not (FileMode.Open or FileMode.OpenOrCreate or FileMode.CreateNew or FileMode.Create))
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode,
                "Mode must be Open, OpenOrCreate, CreateNew or Create.");
        if (options.Length < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Length, "Length must not be negative.");
        if (options.MaxLength is { } max)
        {
            if (max < 0)
                throw new ArgumentOutOfRangeException(nameof(options), max, "MaxLength must not be negative.");
            if (max < options.Length)
                throw new ArgumentOutOfRangeException(nameof(options), max,
                    $"MaxLength ({max}) is less than Length ({options.Length}).");
        }
        if (options.ReadOnly && options.Mode != FileMode.Open)
            throw new ArgumentException("A read-only mapping can only open an existing file (Mode = Open).", nameof(options));
        if (!Enum.IsDefined(options.Preallocation))
            throw new ArgumentOutOfRangeException(nameof(options), options.Preallocation, "Unknown preallocation mode.");
        if (!Enum.IsDefined(options.Prefault))
            throw new ArgumentOutOfRangeException(nameof(options), options.Prefault, "Unknown prefault mode.");
        if (!Enum.IsDefined(options.Backend))
            throw new ArgumentOutOfRangeException(nameof(options), options.Backend, "Unknown backend.");
        if (probe.Device is { } device)
        {
            Mapping.DeviceDaxOptions.Validate(device, options);
            return;
        }
        bool creates = options.Mode is FileMode.CreateNew or FileMode.Create
            || (options.Mode == FileMode.OpenOrCreate && !probe.IsFile);
        if (creates && options.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Length,
                $"Length must be positive to create '{path}'.");
    }
}
