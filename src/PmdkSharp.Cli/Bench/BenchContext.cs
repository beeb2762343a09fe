using System.Collections.Generic;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>What a section runs with: sizes, directories, the C baseline, and the report it adds to.</summary>
internal sealed class BenchContext
{
    public required BenchSettings Settings { get; init; }

    /// <summary>Where files go; in the child process only the emulated-pmem directory.</summary>
    public required IReadOnlyList<BenchDir> Dirs { get; init; }

    /// <summary>This process runs with PMEM_IS_PMEM_FORCE=1, started by the parent for the emulated-pmem parts.</summary>
    public bool InEmulatedPmemChild { get; init; }

    public string? NativeBench { get; init; }

    public BenchReport Report { get; init; } = new();

    /// <summary>The first tmpfs or DAX directory: where emulated (or real) pmem lives; null when there is none.</summary>
    public BenchDir? Memory => Dirs.FirstOrDefault(d => d.IsMemory);

    /// <summary>Directories on disk (not tmpfs or DAX).</summary>
    public IEnumerable<BenchDir> Disks => Dirs.Where(d => !d.IsMemory);

    /// <summary>The context the child process will see, to ask sections how much they do there; null without a memory directory.</summary>
    public BenchContext? ForChild() => Memory is { } memory
        ? new BenchContext { Settings = Settings, Dirs = [memory], InEmulatedPmemChild = true, NativeBench = NativeBench }
        : null;
}
