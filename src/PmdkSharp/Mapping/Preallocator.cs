using System;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// Extends a file from one length to another the way <see cref="Preallocation"/> says. On any
/// failure the file is cut back to its old length, so a failed grow changes nothing.
/// </summary>
internal static unsafe class Preallocator
{
    private const int ZeroChunk = 1 << 20;

    public static void Extend(SafeFileHandle file, string path, long oldLength, long newLength, Preallocation mode)
    {
        int errno = mode switch
        {
            Preallocation.Sparse => Posix.Ftruncate(file, newLength),
            Preallocation.Allocate => Posix.PosixFallocate(file, oldLength, newLength - oldLength),
            Preallocation.ZeroFill => WriteZeros(file, oldLength, newLength),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown preallocation mode."),
        };
        if (errno == 0)
            return;

        // Give back whatever was allocated before the failure; the old contents are untouched.
        Posix.Ftruncate(file, oldLength);
        string detail = $"extending from {oldLength} to {newLength} bytes ({mode}); the file keeps its {oldLength} bytes";
        if (errno == ENODEV)
            throw MappableFile.NoDevice(path, mode == Preallocation.Allocate ? "posix_fallocate" : "extending it");
        if (Errno.IsOutOfSpace(errno))
            throw new PmemOutOfSpaceException(
                $"No space to grow '{path}': {Errno.Describe(errno)}, {detail}.", errno);
        throw Errno.ToException(errno, "grow", path, detail);
    }

    private static int WriteZeros(SafeFileHandle file, long from, long to)
    {
        byte[] buffer = new byte[(int)Math.Min(ZeroChunk, to - from)];
        fixed (byte* chunk = buffer)
        {
            for (long offset = from; offset < to; offset += buffer.Length)
            {
                int errno = Posix.PwriteAll(file, chunk, (nuint)Math.Min(buffer.Length, to - offset), offset);
                if (errno != 0)
                    return errno;
            }
        }
        return 0;
    }
}
