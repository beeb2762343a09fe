using System;
using System.Threading;

namespace PmdkSharp.Log;

/// <summary>
/// Lets the one thread that appends to a log append without taking the log's lock, and so without
/// a single locked instruction, until another thread needs the log's state.
/// </summary>
/// <remarks>
/// Why: on persistent memory an append ends with a cache-line flush and a fence. The fence orders
/// the flush before later stores but lets the CPU run on; a locked instruction (taking or leaving a
/// lock, an interlocked update) waits for the flush to reach memory. A lock after every flush made
/// an append several times the cost of the flush itself, while a loop that writes and persists
/// records has its flushes overlap the next record.
/// <para>
/// The first thread to append becomes the owner. It enters a section with a store to
/// <see cref="inside"/> and a load of <see cref="paused"/>; a thread that takes the log's lock to
/// change what the owner writes (another appender, a truncation, dispose) stores to <see cref="paused"/>, then loads
/// <see cref="inside"/>. That store-then-load on both sides needs a full fence on both (Dekker):
/// the pausing side pays for both with a process-wide barrier, as <see cref="Lifetime.LeaseGate"/>
/// does, and then waits for the owner's section to end. Another appender ends the owner's bias for
/// good (the log takes its lock from then on); a truncation resumes it when it releases the lock.
/// </para>
/// </remarks>
internal sealed class LoneAppender
{
    private const int Shared = -1;

    /// <summary>The owner's managed thread id; 0 before the first append, <see cref="Shared"/> once another thread appended. Written under the log's lock.</summary>
    private volatile int owner;

    /// <summary>1 while the owner is in a section: written by the owner only.</summary>
    private volatile int inside;

    /// <summary>1 while the owner must take the lock: written under the log's lock only.</summary>
    private volatile int paused;

    /// <summary>Sections entered: how tests see that the lone appender's path is the one taken.</summary>
    internal long Sections { get; private set; }

    /// <summary>
    /// Enters a section when the calling thread is the owner and nothing paused it; otherwise
    /// returns false and the caller takes the log's lock. A section must end with <see cref="Exit"/>
    /// before the caller takes the lock.
    /// </summary>
    public bool TryEnter()
    {
        if (owner != Environment.CurrentManagedThreadId)
            return false;
        inside = 1;
        if (paused == 0)
        {
            Sections++;
            return true;
        }
        inside = 0;
        return false;
    }

    /// <summary>Ends the owner's section: what it wrote is visible before this store (a release).</summary>
    public void Exit() => inside = 0;

    /// <summary>
    /// Called (through the log's EnterGate) right after taking the log's lock to change what the
    /// owner writes: an append's reservation, a truncation, dispose. Makes the first appender the
    /// owner; for any other thread, waits until the owner is outside its section and keeps it out
    /// until <see cref="Resume"/> (or for good when <paramref name="forGood"/>: another appender,
    /// or dispose). Returns true when the caller must call <see cref="Resume"/> before it releases the lock.
    /// </summary>
    public bool Pause(bool appending, bool forGood)
    {
        int me = Environment.CurrentManagedThreadId;
        switch (owner)
        {
            case Shared:
                return false;
            case 0:
                if (forGood)
                    EndBias();
                else if (appending)
                    owner = me;
                return false;
            case var o when o == me:
                if (forGood) // the owner is not inside a section while it holds the lock
                    EndBias();
                return false;
        }
        if (paused != 0)
            return false; // this lock's holder paused it already (a nested lock)
        paused = 1;
        Interlocked.MemoryBarrierProcessWide();
        var spin = new SpinWait();
        while (inside != 0)
            spin.SpinOnce(); // on a disk its msync may take milliseconds
        if (!appending && !forGood)
            return true;
        owner = Shared;
        return false;
    }

    /// <summary>Lets the owner in again after a <see cref="Pause"/> that returned true.</summary>
    public void Resume()
    {
        if (owner != Shared)
            paused = 0;
    }

    /// <summary>No thread appends without the lock from now on; only the lock's holder calls this while no section runs.</summary>
    private void EndBias()
    {
        paused = 1;
        owner = Shared;
    }
}
