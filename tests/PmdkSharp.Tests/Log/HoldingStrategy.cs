using System;
using System.Threading;
using PmdkSharp.Durability;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Wraps a log file's real strategy and, once <see cref="HoldNext"/> names a thread, stops that
/// thread in its next persist or flush (before the call reaches the real strategy) until
/// <see cref="Release"/>: an append held there has reserved and written its records, and they are
/// not yet durable. Other threads pass through.
/// </summary>
internal sealed unsafe class HoldingStrategy(DurabilityStrategy inner) : DurabilityStrategy
{
    private readonly ManualResetEventSlim released = new(false);
    private int heldThread = -1;

    /// <summary>Set when the held thread has stopped.</summary>
    public ManualResetEventSlim Holding { get; } = new(false);

    public override PersistMethod Method => inner.Method;

    public override StoreGranularity Granularity => inner.Granularity;

    /// <summary>Stops the thread <paramref name="managedThreadId"/> at its next persist or flush.</summary>
    public void HoldNext(int managedThreadId) => Volatile.Write(ref heldThread, managedThreadId);

    /// <summary>Lets the held thread go on.</summary>
    public void Release() => released.Set();

    public override void Persist(byte* address, nuint length)
    {
        HoldIfChosen();
        inner.Persist(address, length);
    }

    public override void Flush(byte* address, nuint length)
    {
        HoldIfChosen();
        inner.Flush(address, length);
    }

    public override void Drain() => inner.Drain();

    public override void CopyPersist(byte* destination, byte* source, nuint length)
    {
        HoldIfChosen();
        inner.CopyPersist(destination, source, length);
    }

    public override void CopyFlush(byte* destination, byte* source, nuint length)
    {
        HoldIfChosen();
        inner.CopyFlush(destination, source, length);
    }

    public override void FillPersist(byte* destination, byte value, nuint length) => inner.FillPersist(destination, value, length);

    private void HoldIfChosen()
    {
        if (Volatile.Read(ref heldThread) != Environment.CurrentManagedThreadId)
            return;
        Volatile.Write(ref heldThread, -1);
        Holding.Set();
        released.Wait();
    }
}
