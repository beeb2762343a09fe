using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace PmdkSharp.Lifetime;

/// <summary>
/// The gates one thread is inside right now: a few slots only this thread writes, which a
/// closing gate scans. Entering and leaving are plain stores to thread-owned memory, so threads
/// using one mapping never contend on a shared counter (see <see cref="LeaseGate"/> for why
/// plain stores are enough).
/// </summary>
internal sealed class ThreadLeases
{
    [ThreadStatic]
    private static ThreadLeases? current;

    private static readonly object RegistryLock = new();
    private static ThreadLeases[] registry = Array.Empty<ThreadLeases>();

    private readonly WeakReference<Thread> owner = new(Thread.CurrentThread);
    private LeaseGate?[] slots = new LeaseGate?[4];
    private int count;

    public static ThreadLeases Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => current ?? Register();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Add(LeaseGate gate)
    {
        int slot = count;
        LeaseGate?[] array = slots;
        if ((uint)slot >= (uint)array.Length)
            array = GrowSlots();
        Volatile.Write(ref array[slot], gate);
        count = slot + 1;
        return slot;
    }

    /// <summary>Leaves <paramref name="gate"/> at <paramref name="slot"/>; a second release of the same lease does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Remove(int slot, LeaseGate gate)
    {
        LeaseGate?[] array = slots;
        if ((uint)slot >= (uint)array.Length || !ReferenceEquals(array[slot], gate))
            return;
        Volatile.Write(ref array[slot], null);
        if (slot == count - 1)
            TrimCount(array, slot);
    }

    /// <summary>Whether any thread is inside <paramref name="gate"/>; callers fence before asking.</summary>
    public static bool AnyInside(LeaseGate gate)
    {
        foreach (ThreadLeases thread in Volatile.Read(ref registry))
            foreach (LeaseGate? entered in Volatile.Read(ref thread.slots))
                if (ReferenceEquals(entered, gate))
                    return true;
        return false;
    }

    private void TrimCount(LeaseGate?[] array, int slot)
    {
        // Leases released out of order leave holes below the top; the count falls past them.
        while (slot > 0 && array[slot - 1] is null)
            slot--;
        count = slot;
    }

    private LeaseGate?[] GrowSlots()
    {
        var larger = new LeaseGate?[slots.Length * 2];
        slots.CopyTo(larger, 0);
        Volatile.Write(ref slots, larger);
        return larger;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadLeases Register()
    {
        var leases = new ThreadLeases();
        lock (RegistryLock)
        {
            // Threads known to have ended holding nothing are forgotten here, so a process that starts
            // many short threads keeps a registry the size of its live threads. An entry whose Thread
            // object can no longer be seen is kept: dropping a live thread's slots would let a Dispose
            // on another thread release a mapping that thread is still using.
            ThreadLeases[] live = Array.FindAll(registry, t => !t.owner.TryGetTarget(out Thread? thread) || thread.IsAlive || t.HoldsAny());
            var next = new ThreadLeases[live.Length + 1];
            live.CopyTo(next, 0);
            next[^1] = leases;
            Volatile.Write(ref registry, next);
        }
        current = leases;
        return leases;
    }

    private bool HoldsAny() => Array.Exists(Volatile.Read(ref slots), gate => gate is not null);
}
