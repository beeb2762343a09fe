using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace PmdkSharp.Lifetime;

/// <summary>
/// Keeps a mapping (and its file descriptor) alive while any thread is using it, and runs the
/// release exactly once when it is closed and the last thread has left. Closing never waits:
/// a thread still inside (an operation in flight, an open access scope) runs the release when it
/// leaves.
/// </summary>
/// <remarks>
/// Entering is a store to a slot the thread owns followed by a load of <see cref="closing"/>;
/// closing is a store to <see cref="closing"/> followed by a scan of every thread's slots. That
/// store-then-load pattern needs a full fence on both sides to be safe (Dekker), and the one on
/// the entering side is what a SafeHandle's interlocked count costs on every call. Here the closing
/// side pays for both with a process-wide barrier (membarrier): afterwards, every thread either
/// has its slot store visible to the scan or will see <see cref="closing"/> set. Closing is rare;
/// entering is the hot path.
/// </remarks>
internal sealed class LeaseGate
{
    private readonly Action release;
    private volatile bool closing;
    private int closed;
    private int released;

    public LeaseGate(Action release) => this.release = release;

    /// <summary>True once <see cref="Close"/> was called: new entries are refused.</summary>
    public bool IsClosing => closing;

    /// <summary>True once the release has run.</summary>
    public bool IsReleased => Volatile.Read(ref released) != 0;

    /// <summary>Enters the gate, or returns false when it is closing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter(out Lease lease)
    {
        ThreadLeases leases = ThreadLeases.Current;
        int slot = leases.Add(this);
        lease = new Lease(this, leases, slot);
        if (!closing)
            return true;
        lease.Dispose();
        lease = default;
        return false;
    }

    /// <summary>Refuses new entries and releases now, or when the last thread inside leaves. Only the first call does anything.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
            return;
        closing = true;
        Interlocked.MemoryBarrierProcessWide();
        ReleaseIfEmpty();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Leave(ThreadLeases leases, int slot)
    {
        leases.Remove(slot, this);
        if (closing)
            ReleaseIfEmpty();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReleaseIfEmpty()
    {
        // Two threads leaving at once each fence before scanning, so the later scan sees both gone.
        Interlocked.MemoryBarrier();
        if (!ThreadLeases.AnyInside(this) && Interlocked.Exchange(ref released, 1) == 0)
            release();
    }

    /// <summary>One thread's stay inside a gate; disposing it leaves.</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly LeaseGate? gate;
        private readonly ThreadLeases? leases;
        private readonly int slot;

        public Lease(LeaseGate gate, ThreadLeases leases, int slot)
        {
            this.gate = gate;
            this.leases = leases;
            this.slot = slot;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => gate?.Leave(leases!, slot);
    }
}
