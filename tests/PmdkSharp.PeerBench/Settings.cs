using System;
using System.Collections.Generic;

namespace PmdkSharp.PeerBench;

/// <summary>How long and how much each timed run is.</summary>
internal sealed record Settings
{
    public string Name { get; init; } = "default";
    /// <summary>Seconds each contender appends for in one round (it stops earlier when <see cref="BudgetBytes"/> are written).</summary>
    public double Seconds { get; init; } = 0.5;
    /// <summary>Rounds per cell; the median is reported.</summary>
    public int Rounds { get; init; } = 3;
    /// <summary>The most record bytes one run writes (fast media stop here, not at the time limit).</summary>
    public long BudgetBytes { get; init; } = 128L << 20;
    public int[] Sizes { get; init; } = [64, 256, 4096];
    public int[] Appenders { get; init; } = [1, 4];
    /// <summary>Appends per contender in the traced child that counts flushes.</summary>
    public int TracedAppends { get; init; } = 200;
    /// <summary>Record sizes of the block-kind section (ext4 only).</summary>
    public int[] BlockSizes { get; init; } = [64, 4096];
    /// <summary>Only the block-kind section (on the disk medium): what the log's growth default rests on.</summary>
    public bool BlocksOnly { get; init; }

    public static Settings Smoke { get; } = new()
    {
        Name = "smoke", Seconds = 0.02, Rounds = 1, BudgetBytes = 4L << 20, Sizes = [64, 4096], TracedAppends = 16, BlockSizes = [64],
    };

    public static Settings Parse(IReadOnlyList<string> args, ref int i, Settings current) => args[i] switch
    {
        "--smoke" => Smoke,
        "--seconds" => current with { Seconds = double.Parse(Next(args, ref i), System.Globalization.CultureInfo.InvariantCulture) },
        "--blocks-only" => current with { BlocksOnly = true },
        "--rounds" => current with { Rounds = int.Parse(Next(args, ref i), System.Globalization.CultureInfo.InvariantCulture) },
        "--sizes" => current with { Sizes = Numbers(Next(args, ref i)) },
        "--appenders" => current with { Appenders = Numbers(Next(args, ref i)) },
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };

    private static int[] Numbers(string list) =>
        Array.ConvertAll(list.Split(','), n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture));

    private static string Next(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
}
