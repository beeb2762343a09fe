using Microsoft.Win32.SafeHandles;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Interop;

/// <summary>
/// The typed POSIX calls the library makes, and the only code that calls the generated libc
/// functions (their constants are used everywhere): EINTR is retried here and nowhere else, file
/// descriptors are passed as the SafeFileHandle (the marshaller holds it for the call), and each
/// call reports failure one way, by returning the errno (0 on success); callers turn it into an
/// exception through <see cref="Errno"/> where the failure ends the operation. Every call passes
/// through <see cref="PosixFaults"/> first, so tests can make any of them fail.
/// </summary>
internal static unsafe class Posix
{
    /// <summary>The errno <see cref="PosixFaults"/> has armed for this call, or 0: one static read when none is.</summary>
    private static int Injected(Syscall call) => PosixFaults.AnyArmed ? PosixFaults.Take(call) : 0;

    /// <summary>mmap of a file; returns null and sets <paramref name="errno"/> on failure (MAP_FAILED never escapes this layer).</summary>
    public static void* TryMmap(void* address, nuint length, int protection, int flags, SafeFileHandle file, long offset, out int errno)
    {
        if ((errno = Injected(Syscall.Mmap)) != 0)
            return null;
        return Mapped(mmap(address, length, protection, flags, file, offset), out errno);
    }

    /// <summary>mmap of anonymous memory (MAP_ANONYMOUS is in <paramref name="flags"/>); as <see cref="TryMmap(void*, nuint, int, int, SafeFileHandle, long, out int)"/>.</summary>
    public static void* TryMmapAnonymous(void* address, nuint length, int protection, int flags, out int errno)
    {
        if ((errno = Injected(Syscall.Mmap)) != 0)
            return null;
        return Mapped(mmap(address, length, protection, flags, -1, 0), out errno);
    }

    private static void* Mapped(void* mapped, out int errno)
    {
        errno = mapped == (void*)MAP_FAILED ? Errno.Last : 0;
        return errno == 0 ? mapped : null;
    }

    /// <summary>munmap; returns the errno (0 on success). It only fails for a range that was never mapped.</summary>
    public static int Munmap(void* address, nuint length) =>
        Injected(Syscall.Munmap) is var e and not 0 ? e : munmap(address, length) == 0 ? 0 : Errno.Last;

    /// <summary>mprotect; returns the errno (0 on success).</summary>
    public static int Mprotect(void* address, nuint length, int protection) =>
        Injected(Syscall.Mprotect) is var e and not 0 ? e : mprotect(address, length, protection) == 0 ? 0 : Errno.Last;

    /// <summary>msync, retried while a signal interrupts the write-back; returns the errno (0 on success).</summary>
    public static int Msync(void* address, nuint length, int flags)
    {
        int errno;
        do
            errno = Injected(Syscall.Msync) is var e and not 0 ? e : msync(address, length, flags) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>
    /// madvise, retried on EINTR (a signal stops a long MADV_POPULATE_*, the runtime's own among
    /// them; pages already done make the repeat cheap); returns the errno (0 on success): advice the
    /// kernel does not know is the caller's to ignore.
    /// </summary>
    public static int Madvise(void* address, nuint length, int advice)
    {
        int errno;
        do
            errno = Injected(Syscall.Madvise) is var e and not 0 ? e : madvise(address, length, advice) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>mlock, retried on EINTR; returns the errno (0 on success).</summary>
    public static int Mlock(void* address, nuint length)
    {
        int errno;
        do
            errno = Injected(Syscall.Mlock) is var e and not 0 ? e : mlock(address, length) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>munlock; returns the errno (0 on success).</summary>
    public static int Munlock(void* address, nuint length) =>
        Injected(Syscall.Munlock) is var e and not 0 ? e : munlock(address, length) == 0 ? 0 : Errno.Last;

    /// <summary>ftruncate, retried on EINTR; returns the errno (0 on success).</summary>
    public static int Ftruncate(SafeFileHandle file, long length)
    {
        int errno;
        do
            errno = Injected(Syscall.Ftruncate) is var e and not 0 ? e : ftruncate(file, length) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>posix_fallocate, retried on EINTR; returns the errno (0 on success). It returns the error number rather than setting errno.</summary>
    public static int PosixFallocate(SafeFileHandle file, long offset, long length)
    {
        int errno;
        do
            errno = Injected(Syscall.PosixFallocate) is var e and not 0 ? e : posix_fallocate(file, offset, length);
        while (errno == EINTR);
        return errno;
    }

    /// <summary>fallocate (Linux's, with a mode), retried on EINTR; returns the errno (0 on success).</summary>
    public static int Fallocate(SafeFileHandle file, int mode, long offset, long length)
    {
        int errno;
        do
            errno = Injected(Syscall.Fallocate) is var e and not 0 ? e : fallocate(file, mode, offset, length) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>fsync, retried on EINTR; returns the errno (0 on success).</summary>
    public static int Fsync(SafeFileHandle file)
    {
        int errno;
        do
            errno = Injected(Syscall.Fsync) is var e and not 0 ? e : fsync(file) == 0 ? 0 : Errno.Last;
        while (errno == EINTR);
        return errno;
    }

    /// <summary>Writes all of [buffer, buffer + count) at <paramref name="offset"/>, resuming short and interrupted writes; returns the errno (0 on success).</summary>
    public static int PwriteAll(SafeFileHandle file, byte* buffer, nuint count, long offset)
    {
        while (count > 0)
        {
            int errno = Injected(Syscall.Pwrite);
            nint written = errno != 0 ? -1 : pwrite(file, buffer, count, offset);
            if (written < 0)
            {
                if (errno == 0)
                    errno = Errno.Last;
                if (errno == EINTR)
                    continue;
                return errno;
            }
            buffer += written;
            count -= (nuint)written;
            offset += written;
        }
        return 0;
    }

    /// <summary>statx of a path, following symbolic links; returns the errno (0 on success).</summary>
    public static int Statx(string path, uint mask, out statx status)
    {
        status = default;
        if (Injected(Syscall.Statx) is var e and not 0)
            return e;
        fixed (statx* result = &status)
            return statx(AT_FDCWD, path, 0, mask, result) == 0 ? 0 : Errno.Last;
    }

    /// <summary>statx of an open file (no lookup of its path); returns the errno (0 on success).</summary>
    public static int Statx(SafeFileHandle file, uint mask, out statx status)
    {
        status = default;
        if (Injected(Syscall.Fstatx) is var e and not 0)
            return e;
        fixed (statx* result = &status)
            return statx(file, "", AT_EMPTY_PATH, mask, result) == 0 ? 0 : Errno.Last;
    }

    /// <summary>The soft limit of <paramref name="resource"/>, or null when it is unlimited or cannot be read.</summary>
    public static ulong? SoftLimit(int resource)
    {
        rlimit limit;
        if (getrlimit((__rlimit_resource)resource, &limit) != 0 || (ulong)limit.rlim_cur == RLIM_INFINITY)
            return null;
        return (ulong)limit.rlim_cur;
    }

    /// <summary>Throws the exception <see cref="Errno"/> maps <paramref name="errno"/> to, unless it is 0 (runtime's Interop.CheckIo).</summary>
    public static void CheckIo(int errno, string operation, string? path, string? detail = null)
    {
        if (errno != 0)
            throw Errno.ToException(errno, operation, path, detail);
    }
}
