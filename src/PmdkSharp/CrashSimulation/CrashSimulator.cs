using System;
using System.Collections.Generic;
using PmdkSharp.CrashSimulation;

namespace PmdkSharp;

/// <summary>
/// Simulated power cuts for testing recovery code. Files opened with
/// <see cref="PmemFileOptions.CrashSimulator"/> are mapped copy-on-write: stores stay in this
/// process until a persisting call (Persist, CopyPersist, FillPersist, or Flush followed by Drain)
/// writes exactly its range to the file. <see cref="Crash"/> then drops every store that was never
/// persisted, as a power cut does, and the files can be reopened to see what recovery sees.
/// </summary>
/// <remarks>
/// <para>Exact mode (<see cref="CrashSimulator()"/>): after a crash a file holds every byte of every
/// persisted range and none of the bytes that were only stored (or flushed without a drain).</para>
/// <para>Adversarial mode (<see cref="CrashSimulator(int, double)"/>): at the crash each
/// dirty-but-unpersisted 8-byte-aligned word is also written back with the given probability,
/// chosen by a seeded random generator, as real hardware may have evicted its cache line before the
/// power failed. Words, not cache lines: 8 bytes is the unit persistent memory keeps failure-atomic,
/// and nothing orders unpersisted stores against each other, even within one line, so recovery code
/// that relies on store order without a persist fails within a few seeds.</para>
/// <para>A crash point can be set with <see cref="CrashAtPersistCall"/>: the crash happens inside the
/// n-th persisting call (before its range is persisted; a copy or fill has done its stores), which
/// then throws <see cref="SimulatedCrashException"/>. That puts crashes inside library operations
/// that persist more than once. Growth is treated as durable (file length changes are not
/// simulated). Everything outside the simulation costs nothing: the choice is made at open.</para>
/// <para>Call <see cref="Crash"/> when no other thread is using the files (a crash point fires on
/// the thread that reaches it). One simulator may be reused for the next round after a crash.</para>
/// </remarks>
public sealed class CrashSimulator
{
    private readonly object gate = new();
    private readonly List<(PmemFile File, SimulatedPersistStrategy Strategy)> files = new();
    private readonly Random? random;
    private long persistCalls;

    /// <summary>Exact mode: at a crash every store that was never persisted is lost.</summary>
    public CrashSimulator()
    {
    }

    /// <summary>Adversarial mode: at a crash each unpersisted 8-byte word survives with <paramref name="evictionProbability"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The probability is not within [0, 1].</exception>
    public CrashSimulator(int seed, double evictionProbability = 0.5)
    {
        if (!(evictionProbability >= 0 && evictionProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(evictionProbability), evictionProbability, "The probability must be within [0, 1].");
        Seed = seed;
        EvictionProbability = evictionProbability;
        random = new Random(seed);
    }

    /// <summary>The seed of the adversarial write-back, or null in exact mode: print it with a failure.</summary>
    public int? Seed { get; }

    /// <summary>The chance that an unpersisted word is written back at a crash (0 in exact mode).</summary>
    public double EvictionProbability { get; }

    /// <summary>
    /// When set, the crash happens inside the persisting call with this 1-based number (counted over
    /// every file of this simulator since it was made or last crashed), which throws
    /// <see cref="SimulatedCrashException"/>. Run the workload once without it and read
    /// <see cref="PersistCalls"/> to learn how many crash points it has.
    /// </summary>
    public long? CrashAtPersistCall { get; set; }

    /// <summary>Persisting calls (persist, flush, drain, copy, fill) since the simulator was made or last crashed.</summary>
    public long PersistCalls
    {
        get
        {
            lock (gate)
                return persistCalls;
        }
    }

    /// <summary>How many crashes have happened.</summary>
    public int Crashes { get; private set; }

    /// <summary>Unpersisted words written back by adversarial crashes so far.</summary>
    public long WordsWrittenBack { get; private set; }

    /// <summary>
    /// The power cut: every open file of this simulator loses the stores that were never persisted
    /// (but for the adversarial write-back) and is disposed. Reopen the files to recover.
    /// </summary>
    public void Crash()
    {
        lock (gate)
        {
            foreach ((PmemFile file, SimulatedPersistStrategy strategy) in files)
            {
                if (file.IsDisposed)
                    continue;
                if (random is not null)
                {
                    using Lifetime.LeaseGate.Lease lease = file.Enter();
                    WordsWrittenBack += strategy.WriteBackSome(file.Mapping.Length, random, EvictionProbability);
                }
                file.Dispose();
            }
            files.Clear();
            persistCalls = 0;
            CrashAtPersistCall = null;
            Crashes++;
        }
    }

    /// <summary>Takes a file opened with this simulator, and the strategy its backend made for it, into the next crash.</summary>
    internal void Track(PmemFile file, SimulatedPersistStrategy strategy)
    {
        lock (gate)
            files.Add((file, strategy));
    }

    /// <summary>Counts a persisting call; crashes and throws when it is the chosen crash point.</summary>
    internal void OnPersistCall(string operation, Action? storesBeforeCrash = null)
    {
        lock (gate)
        {
            long call = ++persistCalls;
            if (CrashAtPersistCall != call)
                return;
            storesBeforeCrash?.Invoke();
            Crash();
            throw new SimulatedCrashException($"Simulated crash at persisting call {call} ({operation}){(Seed is { } seed ? $", seed {seed}" : "")}.");
        }
    }

    /// <summary>Serializes the simulated write-back of a persisted range with crashes.</summary>
    internal object Gate => gate;
}
