using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Interop;

/// <summary>
/// The typed POSIX calls the engine makes, between the generated imports and the mapping code:
/// EINTR is retried here and nowhere else, and each call reports failure one way. Calls whose
/// failure the engine handles (a flag to fall back from, a range to give back) return the errno
/// (0 on success); calls whose failure ends the operation throw through <see cref="Errno"/>.
/// </summary>
internal static unsafe class Posix
{
    /// <summary>mmap; returns null and sets <paramref name="errno"/> on failure (MAP_FAILED never escapes this layer).</summary>
    public static void* TryMmap(void* address, nuint length, int protection, int flags, int fd, long offset, out int errno)
    {
        void* mapped = mmap(address, length, protection, flags, fd, offset);
        if (mapped == (void*)MAP_FAILED)
        {
            errno = Errno.Last;
            return null;
        }
        errno = 0;
        return mapped;
    }

    /// <summary>munmap; returns the errno (0 on success). It only fails for a range that was never mapped.</summary>
    public static int Munmap(void* address, nuint length) =>
        munmap(address, length) == 0 ? 0 : Errno.Last;

    /// <summary>msync, retried while a signal interrupts the write-back; returns the errno (0 on success).</summary>
    public static int Msync(void* address, nuint length, int flags)
    {
        while (msync(address, length, flags) != 0)
        {
            int errno = Errno.Last;
            if (errno != EINTR)
                return errno;
        }
        return 0;
    }

    /// <summary>madvise; returns the errno (0 on success): advice the kernel does not know is the caller's to ignore.</summary>
    public static int Madvise(void* address, nuint length, int advice) =>
        madvise(address, length, advice) == 0 ? 0 : Errno.Last;

    /// <summary>ftruncate, retried on EINTR; returns the errno (0 on success).</summary>
    public static int Ftruncate(int fd, long length)
    {
        while (ftruncate(fd, length) != 0)
        {
            int errno = Errno.Last;
            if (errno != EINTR)
                return errno;
        }
        return 0;
    }

    /// <summary>posix_fallocate, retried on EINTR; returns the errno (0 on success). It returns the error number rather than setting errno.</summary>
    public static int PosixFallocate(int fd, long offset, long length)
    {
        int errno;
        while ((errno = posix_fallocate(fd, offset, length)) == EINTR)
        {
        }
        return errno;
    }

    /// <summary>Writes all of [buffer, buffer + count) at <paramref name="offset"/>, resuming short and interrupted writes; returns the errno (0 on success).</summary>
    public static int PwriteAll(int fd, byte* buffer, nuint count, long offset)
    {
        while (count > 0)
        {
            nint written = pwrite(fd, buffer, count, offset);
            if (written < 0)
            {
                int errno = Errno.Last;
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

    /// <summary>Throws the exception <see cref="Errno"/> maps <paramref name="errno"/> to, unless it is 0 (runtime's Interop.CheckIo).</summary>
    public static void CheckIo(int errno, string operation, string? path, string? detail = null)
    {
        if (errno != 0)
            throw Errno.ToException(errno, operation, path, detail);
    }
}
