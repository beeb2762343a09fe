using System;
using System.IO;
using PmdkSharp.Durability;

namespace PmdkSharp.Log;

/// <summary>How <see cref="PmemLog.Open"/> opens, creates and sizes a log.</summary>
public sealed class PmemLogOptions
{
    /// <summary>
    /// <see cref="FileMode.OpenOrCreate"/> (the default), <see cref="FileMode.Open"/> (the log must
    /// exist), <see cref="FileMode.CreateNew"/> (it must not) or <see cref="FileMode.Create"/> (an
    /// existing file is replaced by an empty log).
    /// </summary>
    public FileMode Mode { get; init; } = FileMode.OpenOrCreate;

    /// <summary>The file's length when the log is created (at least 8 KiB); 1 MiB by default. The log grows by itself from there.</summary>
    public long Length { get; init; } = 1 << 20;

    /// <summary>The most the file may grow to; an append that would pass it throws <see cref="PmemLogFullException"/>. 1 GiB by default.</summary>
    public long MaxLength { get; init; } = 1L << 30;

    /// <summary>The largest payload one record may have; 16 MiB by default. Larger appends throw <see cref="System.ArgumentException"/>.</summary>
    public int MaxRecordLength { get; init; } = 16 << 20;

    /// <summary>Open read-only (requires <see cref="FileMode.Open"/>): appends and truncation are refused.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Check every committed record's checksum while opening (the default) and throw
    /// <see cref="PmemLogCorruptException"/> at the first damaged one. Turn it off to open a damaged
    /// log and read what precedes the damage (see <see cref="PmemLog.Verify"/>), or to open a
    /// large log without reading it all; records are checked when read in either case.
    /// </summary>
    public bool VerifyOnOpen { get; init; } = true;

    /// <summary>The backend for the mapping; <see cref="PmemBackendKind.Default"/> uses <see cref="PmemRuntime.DefaultBackend"/>.</summary>
    public PmemBackendKind Backend { get; init; }

    /// <summary>How the mapping and each growth are prefaulted (<see cref="PrefaultMode.None"/> by default).</summary>
    public PrefaultMode Prefault { get; init; }

    /// <summary>Opens the log's file under a crash simulator, for tests of recovery (see <see cref="PmemFileOptions.CrashSimulator"/>); null normally.</summary>
    public CrashSimulator? CrashSimulator { get; init; }

    /// <summary>Wraps the log file's durability strategy (<see cref="PmemFileOptions.StrategyDecorator"/>): tests only, null in normal use.</summary>
    internal Func<DurabilityStrategy, DurabilityStrategy>? StrategyDecorator { get; init; }
}
