using System;
using System.IO;
using PmdkSharp.Durability;

namespace PmdkSharp;

/// <summary>How <see cref="PmemFile.Open"/> opens, sizes and maps a file.</summary>
public sealed record PmemFileOptions
{
    /// <summary>
    /// <see cref="FileMode.OpenOrCreate"/> (the default), <see cref="FileMode.Open"/>,
    /// <see cref="FileMode.CreateNew"/> (fails if the file exists) or <see cref="FileMode.Create"/>
    /// (replaces an existing file). Other modes are rejected.
    /// </summary>
    public FileMode Mode { get; init; } = FileMode.OpenOrCreate;

    /// <summary>
    /// The length of a file that is created (or found empty). An existing non-empty file is
    /// mapped at its current length and this is ignored.
    /// </summary>
    public long Length { get; init; }

    /// <summary>
    /// The most the mapping can grow to: this much address space is reserved up front so the
    /// base address never changes. Null (the default) means a fixed-size mapping.
    /// </summary>
    public long? MaxLength { get; init; }

    /// <summary>Map read-only (requires <see cref="FileMode.Open"/>): writes, persists and growth are refused.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Permissions of a created file; 0644 by default.</summary>
    public UnixFileMode Permissions { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>How blocks are provided when the file is created or grown; <see cref="PmdkSharp.Preallocation.Allocate"/> by default.</summary>
    public Preallocation Preallocation { get; init; } = Preallocation.Allocate;

    /// <summary>How pages are faulted in at open and after every grow; none by default.</summary>
    public PrefaultMode Prefault { get; init; } = PrefaultMode.None;

    /// <summary>Ask for transparent huge pages (MADV_HUGEPAGE) on the mapping; it is 2 MiB aligned either way.</summary>
    public bool HugePages { get; init; }

    /// <summary>The backend for this mapping; <see cref="PmemBackendKind.Default"/> uses <see cref="PmemRuntime.DefaultBackend"/>.</summary>
    public PmemBackendKind Backend { get; init; }

    /// <summary>
    /// Maps the file for crash simulation (copy-on-write; only persisted ranges reach the file) under
    /// this simulator: for tests of recovery code. Null (the default) maps it normally.
    /// </summary>
    public CrashSimulator? CrashSimulator { get; init; }

    /// <summary>Wraps the strategy chosen at open (tests observe every range handed to it); null in normal use.</summary>
    internal Func<DurabilityStrategy, DurabilityStrategy>? StrategyDecorator { get; init; }
}
