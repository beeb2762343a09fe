using System.Collections.Generic;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>Every bench section, in the order a run measures and reports them.</summary>
internal static class BenchSections
{
    public static IReadOnlyList<IBenchSection> All { get; } =
    [
        new FirstTouchBench(),
        new GrowthBench(),
        new CopyPersistBench(),
        new SmallWritesBench(),
        new HugePagesBench(),
        new RangeControlBench(),
        new DaxWritesBench(),
    ];

    public static string[] Names { get; } = All.Select(s => s.Name).ToArray();

    /// <summary>The sections named (all when <paramref name="names"/> is null or empty), in run order.</summary>
    public static List<IBenchSection> Select(IReadOnlyCollection<string>? names) =>
        All.Where(s => names is null || names.Count == 0 || names.Contains(s.Name)).ToList();
}
