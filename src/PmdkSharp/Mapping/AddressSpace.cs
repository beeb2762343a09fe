using System;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// Places a file mapping at an aligned address without ever replacing anything: no MAP_FIXED.
/// </summary>
/// <remarks>
/// The obvious way, reserving a range and mapping the file over it with MAP_FIXED, is not safe in
/// a process where other threads map memory (the GC, other files). When MAP_FIXED fails late, in
/// the file system's mmap hook, the kernel has already unmapped the range: ext4 refusing MAP_SYNC
/// on a non-DAX file leaves a hole where the reservation was. Another thread's mmap can land in
/// that hole, and the next MAP_FIXED (a retry without MAP_SYNC, or putting the reservation back)
/// silently replaces that thread's memory. MAP_FIXED_NOREPLACE would refuse instead, but the
/// kernel rejects it together with MAP_SHARED_VALIDATE, which MAP_SYNC needs. So the address is
/// only a hint, as libpmem's pmem_map_file does it: a free aligned range is found, and the file is
/// mapped there without MAP_FIXED; if another thread took the range meanwhile the kernel puts the
/// mapping elsewhere, and the search starts again. A failed attempt leaves the address space as it
/// was.
/// </remarks>
internal static unsafe class AddressSpace
{
    public static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    private const long OneGiB = 1L << 30;

    // Losing the race for a free range this often in a row means the process maps memory faster
    // than a range can be found; an unaligned mapping still works, only without huge-page entries.
    private const int AlignedAttempts = 8;

    /// <summary>PMDK's choice: 2 MiB alignment, or 1 GiB once the range is 2 GiB or more, so the kernel can use huge page table entries.</summary>
    public static nuint AlignmentFor(nuint length) =>
        length >= 2 * (ulong)OneGiB ? (nuint)OneGiB : Libpmem.PMEM_MIN_PART;

    public static nuint RoundUpToPage(ulong length) => (nuint)((length + PageSize - 1) & ~((ulong)PageSize - 1));

    /// <summary>
    /// Maps [0, length) of the file at an address aligned to <paramref name="alignment"/> when one can
    /// be had, else anywhere. The range may reach past the file's end: Linux allows a shared file
    /// mapping there, and only touching such a page faults, which the library never does. Returns
    /// null and the errno on failure, having changed nothing, so callers can retry with other flags.
    /// </summary>
    /// <exception cref="PmemAddressSpaceException">The process has no free range of <paramref name="length"/> bytes.</exception>
    public static byte* TryMapFile(nuint length, nuint alignment, int protection, int flags, SafeFileHandle file, out int errno)
    {
        for (int attempt = 0; attempt < AlignedAttempts; attempt++)
        {
            byte* hint = FindFreeAligned(length, alignment);
            byte* mapped = (byte*)Posix.TryMmap(hint, length, protection, flags, file, 0, out errno);
            if (mapped == null || mapped == hint)
                return mapped;
            // Another thread mapped into the range first, so the kernel chose another address: unmap
            // this mapping (ours, made just now) and look for a free range again.
            Posix.Munmap(mapped, length);
        }
        return (byte*)Posix.TryMmap(null, length, protection, flags, file, 0, out errno);
    }

    /// <summary>
    /// The exception for a failed mmap: ENOMEM and EAGAIN are the address space (or the map count, or
    /// an overcommit limit), never the file system, so they get their own type; the rest as any errno.
    /// </summary>
    public static Exception MapRefused(int errno, string operation, string? path, string detail) =>
        errno == ENOMEM || errno == EAGAIN
            ? new PmemAddressSpaceException(
                $"{operation}{(path is null ? "" : $" '{path}'")} failed: {Errno.Describe(errno)}. {detail}: the process has no free address range "
                + "that large, or has reached vm.max_map_count mappings, RLIMIT_AS or the overcommit limit; nothing was mapped.", errno)
            : Errno.ToException(errno, operation, path, detail);

    /// <summary>An aligned address with <paramref name="length"/> free bytes after it, free at the time of the call.</summary>
    /// <exception cref="PmemAddressSpaceException">The process has no free range that large.</exception>
    private static byte* FindFreeAligned(nuint length, nuint alignment)
    {
        // The kernel's choice for length + alignment bytes holds an aligned start with length bytes after it.
        nuint padded = length + alignment;
        void* probe = Posix.TryMmapAnonymous(null, padded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, out int errno);
        if (probe == null)
            throw MapRefused(errno, "mmap (address reservation)", null, $"reserving {length} bytes");
        // Unmapping a range this call just mapped cannot fail; the result is ignored on purpose.
        Posix.Munmap(probe, padded);
        return (byte*)(((nuint)probe + alignment - 1) & ~(alignment - 1));
    }
}
