using System;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Backends;

/// <summary>msync(MS_SYNC) over the pages a byte range touches: the persist that is correct on every file system.</summary>
internal static unsafe class Msync
{
    private static readonly nuint PageMask = (nuint)Environment.SystemPageSize - 1;

    public static void Range(byte* address, nuint length)
    {
        if (length == 0)
            return;
        nuint start = (nuint)address & ~PageMask;
        nuint end = (nuint)address + length;
        while (msync((void*)start, end - start, MS_SYNC) != 0)
        {
            int errno = Errno.Last;
            if (errno != EINTR)
                throw Errno.ToException(errno, "msync", null);
        }
    }
}
