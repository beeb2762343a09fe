using System;
using System.Collections.Generic;

namespace PmdkSharp.Cli.Bench;

/// <summary>How big and how long each measurement is: full, --quick, or scaled from --size for smoke runs.</summary>
internal sealed record BenchSettings
{
    /// <summary>The first-touch file and the huge-page file.</summary>
    public long FileBytes { get; init; }
    public long GrowStep { get; init; }
    public long GrowMax { get; init; }
    /// <summary>The old region touched before and after a grow / remap.</summary>
    public long RefaultBytes { get; init; }
    /// <summary>The file small records are written to, wrapping around.</summary>
    public long SmallWriteFileBytes { get; init; }
    public double SmallWriteSeconds { get; init; }
    public long CopyRegionBytes { get; init; }
    public long CopyBytesPerSize { get; init; }
    public int CopyRounds { get; init; }
    public int Repeats { get; init; }
    public string Name { get; init; } = "";

    public static BenchSettings Full { get; } = new()
    {
        Name = "full", FileBytes = 1L << 30, GrowStep = 128L << 20, GrowMax = 8L << 30, RefaultBytes = 1L << 30,
        SmallWriteFileBytes = 64L << 20, SmallWriteSeconds = 1.0, CopyRegionBytes = 256L << 20,
        CopyBytesPerSize = 256L << 20, CopyRounds = 5, Repeats = 2,
    };

    public static BenchSettings Quick { get; } = new()
    {
        Name = "quick", FileBytes = 256L << 20, GrowStep = 128L << 20, GrowMax = 2L << 30, RefaultBytes = 256L << 20,
        SmallWriteFileBytes = 64L << 20, SmallWriteSeconds = 0.25, CopyRegionBytes = 64L << 20,
        CopyBytesPerSize = 48L << 20, CopyRounds = 3, Repeats = 1,
    };

    /// <summary>Everything scaled from one file size, for smoke tests (seconds, not a minute).</summary>
    public static BenchSettings Scaled(long fileBytes)
    {
        long mib = 1L << 20;
        fileBytes = Math.Max(4 * mib, fileBytes / mib * mib);
        return new BenchSettings
        {
            Name = $"size {Format.Bytes(fileBytes)}", FileBytes = fileBytes, GrowStep = Math.Max(mib, fileBytes / 4),
            GrowMax = fileBytes * 4, RefaultBytes = fileBytes, SmallWriteFileBytes = Math.Min(fileBytes, 64 * mib),
            SmallWriteSeconds = 0.02, CopyRegionBytes = Math.Min(fileBytes, 64 * mib),
            CopyBytesPerSize = Math.Min(fileBytes, 64 * mib) / 4, CopyRounds = 1, Repeats = 1,
        };
    }

    public static readonly int[] RecordSizes = [64, 256, 4096];
    public static readonly int[] CopySizes = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
}

/// <summary>A directory the bench writes files in, with what its file system is.</summary>
internal sealed record BenchDir(string Path, string Label, MountInfo? Mount, bool Temporary)
{
    /// <summary>tmpfs or DAX: where emulated (or real) persistent memory lives.</summary>
    public bool IsMemory => Mount is { } m && (m.IsTmpfs || m.DaxOption is not null);

    public string File(string name) => System.IO.Path.Combine(Path, name);
}

internal interface IProgressSink
{
    void Step(string what);
}

internal sealed class NullProgress : IProgressSink
{
    public void Step(string what) { }
}

internal static class Lists
{
    public static double Median(this List<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = new List<double>(values);
        sorted.Sort();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
