using System;
using System.Collections.Generic;
using System.Threading;

namespace PmdkSharp.Interop;

/// <summary>The calls <see cref="Posix"/> makes, by name, for <see cref="PosixFaults"/>.</summary>
internal enum Syscall
{
    Mmap,
    Munmap,
    Mprotect,
    Msync,
    Madvise,
    Mlock,
    Munlock,
    Ftruncate,
    PosixFallocate,
    Fallocate,
    Pwrite,
    Fsync,
    Statx,
    /// <summary>statx of an open descriptor (AT_EMPTY_PATH): no lookup of a path.</summary>
    Fstatx,
}

/// <summary>
/// The fault seam of the POSIX layer: makes the n-th call of a named syscall fail with a chosen
/// errno, on the thread that armed it, without calling the kernel, so every retry, error message
/// and "nothing changed on failure" promise can be tested when the kernel would not fail on its
/// own. Off, it costs each call one read of a static field.
/// </summary>
/// <remarks>
/// Faults are per thread because the library makes each call on the thread of the operation that
/// needs it, and tests run in parallel: a fault armed by one test never reaches another's calls.
/// </remarks>
internal static class PosixFaults
{
    // The one check every call makes: how many faults are armed on any thread.
    private static int armed;

    [ThreadStatic]
    private static List<Fault>? faults;

    /// <summary>True while any thread has a fault armed; only then is the thread's list looked at.</summary>
    public static bool AnyArmed => Volatile.Read(ref armed) != 0;

    /// <summary>
    /// Makes calls <paramref name="nth"/> to <paramref name="nth"/> + <paramref name="times"/> - 1 of
    /// <paramref name="call"/> on this thread (counted from now, starting at 1) fail with
    /// <paramref name="errno"/>; the others run. <paramref name="before"/>, when given, runs in place
    /// of the first failing call's check, just before it fails (or, with errno 0, before the real call).
    /// Dispose disarms it.
    /// </summary>
    public static Fault Inject(Syscall call, int errno, int nth = 1, int times = 1, Action? before = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        var fault = new Fault(call, errno, nth, times, before);
        (faults ??= []).Add(fault);
        Interlocked.Increment(ref armed);
        return fault;
    }

    /// <summary>The errno an armed fault makes this call of <paramref name="call"/> fail with, or 0 to make the real call.</summary>
    public static int Take(Syscall call)
    {
        if (faults is not { Count: > 0 } list)
            return 0;
        foreach (Fault fault in list)
        {
            if (fault.Call == call && fault.Count() is { } errno)
                return errno;
        }
        return 0;
    }

    /// <summary>One armed fault; <see cref="Calls"/> says how many calls of its syscall it saw, <see cref="Injected"/> how many it failed.</summary>
    internal sealed class Fault : IDisposable
    {
        private readonly int nth;
        private readonly int times;
        private readonly Action? before;
        private bool disposed;

        internal Fault(Syscall call, int errno, int nth, int times, Action? before)
        {
            Call = call;
            Errno = errno;
            this.nth = nth;
            this.times = times;
            this.before = before;
        }

        public Syscall Call { get; }

        public int Errno { get; }

        public int Calls { get; private set; }

        public int Injected { get; private set; }

        /// <summary>Counts one call; returns the errno when this call is one to fail, else null.</summary>
        internal int? Count()
        {
            Calls++;
            if (Calls < nth || Calls >= nth + times)
                return null;
            if (Calls == nth)
                before?.Invoke();
            if (Errno == 0)
                return null;
            Injected++;
            return Errno;
        }

        public void Dispose()
        {
            if (disposed)
                return;
            disposed = true;
            faults?.Remove(this);
            Interlocked.Decrement(ref armed);
        }
    }
}
