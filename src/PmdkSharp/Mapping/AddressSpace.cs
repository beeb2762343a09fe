using System;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// Address ranges for growable mappings: reserve the maximum range once with no access and no
/// backing, then map the file over it with MAP_FIXED. The base never moves, so every address
/// handed out stays valid while the file grows.
/// </summary>
internal static unsafe class AddressSpace
{
    public static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    private const long OneGiB = 1L << 30;

    /// <summary>PMDK's choice: 2 MiB alignment, or 1 GiB once the range is 2 GiB or more, so the kernel can use huge page table entries.</summary>
    public static nuint AlignmentFor(nuint length) =>
        length >= 2 * (ulong)OneGiB ? (nuint)OneGiB : Libpmem.PMEM_MIN_PART;

    public static nuint RoundUpToPage(ulong length) => (nuint)((length + PageSize - 1) & ~((ulong)PageSize - 1));

    /// <summary>Reserves <paramref name="length"/> bytes of address space aligned to <paramref name="alignment"/>.</summary>
    public static byte* Reserve(nuint length, nuint alignment)
    {
        // Over-reserve by the alignment, then give back the unaligned head and the surplus tail.
        nuint padded = length + alignment;
        void* raw = Posix.TryMmap(null, padded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, out int errno);
        if (raw == null)
            throw Errno.ToException(errno, "mmap (address reservation)", null, $"reserving {length} bytes");
        nuint start = (nuint)raw;
        nuint aligned = (start + alignment - 1) & ~(alignment - 1);
        // Trimming a range this call just mapped cannot fail; the result is ignored on purpose.
        if (aligned > start)
            Posix.Munmap(raw, aligned - start);
        nuint surplus = start + padded - (aligned + length);
        if (surplus > 0)
            Posix.Munmap((void*)(aligned + length), surplus);
        return (byte*)aligned;
    }

    /// <summary>
    /// Maps [0, length) of the file at <paramref name="baseAddress"/>, replacing the reservation
    /// there. The range may reach past the file's end: Linux allows a shared file mapping there,
    /// and only touching such a page faults, which the library never does. Returns the errno on
    /// failure (0 on success) so callers can fall back to other flags.
    /// </summary>
    public static int TryMapFile(byte* baseAddress, nuint length, int protection, int flags, int fd)
    {
        if (Posix.TryMmap(baseAddress, length, protection, flags | MAP_FIXED, fd, 0, out int errno) != null)
            return 0;
        // A failed MAP_FIXED may already have dropped what was there; put the reservation back so no
        // other mapping can land inside our range before the caller releases it.
        int restoreErrno = Restore(baseAddress, length);
        if (restoreErrno != 0)
            throw new InvalidOperationException(
                $"mmap over the reserved range at 0x{(nuint)baseAddress:x} failed with {Errno.Describe(errno)}, and re-reserving " +
                $"the range failed too with {Errno.Describe(restoreErrno)}: the process's address space may now have a hole there.");
        return errno;
    }

    /// <summary>Turns a range back into reserved, inaccessible address space; returns the errno on failure.</summary>
    private static int Restore(void* address, nuint length)
    {
        Posix.TryMmap(address, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0, out int errno);
        return errno;
    }
}
