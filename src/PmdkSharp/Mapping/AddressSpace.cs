using System;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// Growth in mmap calls: reserve the maximum range once with no access
/// and no backing, then map file extents over it with MAP_FIXED. The base never moves, so
/// every address handed out stays valid while the file grows.
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
        void* raw = mmap(null, padded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (raw == (void*)MAP_FAILED)
            throw Errno.LastToException("mmap (address reservation)", null, $"reserving {length} bytes");
        nuint start = (nuint)raw;
        nuint aligned = (start + alignment - 1) & ~(alignment - 1);
        if (aligned > start)
            munmap(raw, aligned - start);
        nuint surplus = start + padded - (aligned + length);
        if (surplus > 0)
            munmap((void*)(aligned + length), surplus);
        return (byte*)aligned;
    }

    /// <summary>
    /// Maps [offset, offset + length) of the file at base + offset, replacing the reservation there.
    /// Returns the errno on failure (0 on success) so callers can fall back.
    /// </summary>
    public static int TryMapExtent(byte* baseAddress, nuint offset, nuint length, int protection, int flags, int fd)
    {
        void* target = baseAddress + offset;
        void* mapped = mmap(target, length, protection, flags | MAP_FIXED, fd, (long)offset);
        if (mapped == (void*)MAP_FAILED)
        {
            int errno = Errno.Last;
            // A failed MAP_FIXED may already have dropped what was there; put the reservation back
            // so no other mapping can land inside our range.
            Restore(target, length);
            return errno;
        }
        return 0;
    }

    /// <summary>Turns a range back into reserved, inaccessible address space.</summary>
    public static void Restore(void* address, nuint length) =>
        mmap(address, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}
