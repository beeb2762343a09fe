using System;
using System.Globalization;
using System.IO;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// The syscalls behind <see cref="PmemFile"/>'s range control: madvise, punching holes, mlock.
/// Callers hold the mapping (and check ranges) around every call; this class only talks to the kernel.
/// </summary>
internal static unsafe class RangeControl
{
    /// <summary>The whole pages covering [address, address + length): madvise needs a page-aligned start.</summary>
    public static byte* PagesCovering(byte* address, nuint length, out nuint pagesLength)
    {
        nuint mask = AddressSpace.PageSize - 1;
        nuint start = (nuint)address & ~mask;
        nuint end = ((nuint)address + length + mask) & ~mask;
        pagesLength = end - start;
        return (byte*)start;
    }

    /// <summary>The madvise value and its C name for an advice, or an exception for an undefined one.</summary>
    public static (int Value, string Name) Advice(MemoryAdvice advice) => advice switch
    {
        MemoryAdvice.Normal => (MADV_NORMAL, nameof(MADV_NORMAL)),
        MemoryAdvice.Random => (MADV_RANDOM, nameof(MADV_RANDOM)),
        MemoryAdvice.Sequential => (MADV_SEQUENTIAL, nameof(MADV_SEQUENTIAL)),
        MemoryAdvice.WillNeed => (MADV_WILLNEED, nameof(MADV_WILLNEED)),
        MemoryAdvice.DontNeed => (MADV_DONTNEED, nameof(MADV_DONTNEED)),
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "Not a defined MemoryAdvice value."),
    };

    /// <summary>madvise over whole pages; returns 0 or the errno.</summary>
    public static int Advise(byte* start, nuint length, int advice) => Posix.Madvise(start, length, advice);

    /// <summary>
    /// Gives the blocks of the page-aligned file range [offset, offset + length) back to the file
    /// system, keeping the file's size, and makes that durable. The kernel drops the range from
    /// every mapping of the file, so it reads as zeros afterwards. Returns false, having changed
    /// nothing, where the file cannot have holes: device DAX (ENODEV, not a regular file) or a file
    /// system without hole punching (EOPNOTSUPP).
    /// </summary>
    public static bool PunchHole(SafeFileHandle file, long offset, long length, string path)
    {
        // The marshaller holds the handle for each call, so a concurrent Dispose cannot close the fd under it.
        int errno = Posix.Fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
        if (errno == EOPNOTSUPP || errno == ENODEV)
            return false;
        if (errno != 0)
            throw Errno.ToException(errno, "fallocate(FALLOC_FL_PUNCH_HOLE)", path,
                $"discarding {length} bytes at offset {offset}; the range keeps its old content");
        // The hole lives in the file's block map, which only fsync makes durable (fdatasync may skip it).
        errno = Posix.Fsync(file);
        if (errno != 0)
            throw Errno.ToException(errno, "fsync (after punching a hole)", path,
                $"the hole at offset {offset} ({length} bytes) is punched but may not survive a crash; discard the range again");
        return true;
    }

    /// <summary>mlock; returns 0 or the errno, leaving the range unlocked on failure.</summary>
    public static int Lock(byte* address, nuint length)
    {
        int errno = Posix.Mlock(address, length);
        // A refusal after the range was marked locked (populating it failed) leaves it locked: undo that.
        if (errno != 0)
            Posix.Munlock(address, length);
        return errno;
    }

    /// <summary>munlock; returns 0 or the errno.</summary>
    public static int Unlock(byte* address, nuint length) => Posix.Munlock(address, length);

    /// <summary>The soft RLIMIT_MEMLOCK in bytes, or null when unlimited or unreadable.</summary>
    public static long? MemoryLockLimit()
    {
        return Posix.SoftLimit(RLIMIT_MEMLOCK) is { } limit ? (long)Math.Min(limit, long.MaxValue) : null;
    }

    /// <summary>Bytes this process holds locked now (VmLck of /proc/self/status), or null where /proc is hidden.</summary>
    public static long? LockedBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmLck:", StringComparison.Ordinal))
                    continue;
                string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kib)
                    ? kib * 1024 : null;
            }
        }
        catch (IOException)
        {
            // Only for the message: without /proc the limit alone is reported.
        }
        return null;
    }
}
