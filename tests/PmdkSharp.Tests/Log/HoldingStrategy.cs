using System;
using System.Collections.Generic;
using System.Threading;
using PmdkSharp.Durability;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Wraps a log file's real strategy and, once <see cref="HoldNext"/> names a thread, stops that
/// thread in its next persist or flush (before the call reaches the real strategy) until
/// <see cref="Release"/>: an append held there has reserved and written its records, and they are
/// not yet durable. Other threads pass through; the ranges their persists finished are kept, so a
/// test can ask whether the held range became durable through another thread's persist.
/// </summary>
internal sealed unsafe class HoldingStrategy(DurabilityStrategy inner) : DurabilityStrategy
{
    private readonly ManualResetEventSlim released = new(false);
    private Exception? failWith;
    private readonly List<(nuint Start, nuint End)> persisted = new();
    private int heldThread = -1;

    /// <summary>The range the held thread was about to persist (or flush) when it stopped.</summary>
    public (nuint Start, nuint End) HeldRange { get; private set; }

    /// <summary>Set when the held thread has stopped.</summary>
    public ManualResetEventSlim Holding { get; } = new(false);

    public override PersistMethod Method => inner.Method;

    public override StoreGranularity Granularity => inner.Granularity;

    public override bool StoresThroughFile => inner.StoresThroughFile;

    public override void Store(byte* destination, byte* source, nuint length) => inner.Store(destination, source, length);

    /// <summary>Stops the thread <paramref name="managedThreadId"/> at its next persist or flush.</summary>
    public void HoldNext(int managedThreadId) => Volatile.Write(ref heldThread, managedThreadId);

    /// <summary>Lets the held thread go on.</summary>
    public void Release() => released.Set();

    /// <summary>Lets the held thread go on with <paramref name="failure"/> thrown from its persist, which never reaches the real strategy.</summary>
    public void Fail(Exception failure)
    {
        failWith = failure;
        released.Set();
    }

    /// <summary>Whether a persist that has finished (not the held one) covered all of <paramref name="range"/>.</summary>
    public bool PersistedAll((nuint Start, nuint End) range)
    {
        lock (persisted)
            return persisted.Exists(p => p.Start <= range.Start && p.End >= range.End);
    }

    public override void Persist(byte* address, nuint length)
    {
        HoldIfChosen(address, length);
        inner.Persist(address, length);
        Persisted(address, length);
    }

    public override void Flush(byte* address, nuint length)
    {
        HoldIfChosen(address, length);
        inner.Flush(address, length);
    }

    public override void Drain() => inner.Drain();

    public override void CopyPersist(byte* destination, byte* source, nuint length)
    {
        HoldIfChosen(destination, length);
        inner.CopyPersist(destination, source, length);
        Persisted(destination, length);
    }

    public override void CopyFlush(byte* destination, byte* source, nuint length)
    {
        HoldIfChosen(destination, length);
        inner.CopyFlush(destination, source, length);
    }

    public override void FillPersist(byte* destination, byte value, nuint length) => inner.FillPersist(destination, value, length);

    private void Persisted(byte* address, nuint length)
    {
        lock (persisted)
            persisted.Add(((nuint)address, (nuint)address + length));
    }

    private void HoldIfChosen(byte* address, nuint length)
    {
        if (Volatile.Read(ref heldThread) != Environment.CurrentManagedThreadId)
            return;
        Volatile.Write(ref heldThread, -1);
        HeldRange = ((nuint)address, (nuint)address + length);
        Holding.Set();
        released.Wait();
        if (failWith is { } failure)
            throw failure;
    }
}
