using System.Threading;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>Faults pages in ahead of use, the seed's "batch it up front" remedy for first-touch cost.</summary>
internal static unsafe class Prefaulter
{
    /// <summary>Extra mmap flags for a mode that works at map time.</summary>
    public static int MapFlags(PrefaultMode mode) => mode == PrefaultMode.Populate ? MAP_POPULATE : 0;

    /// <summary>
    /// Prefaults a freshly mapped range. <paramref name="mappedWithFlags"/> says whether
    /// <see cref="MapFlags"/> was already passed to mmap (it cannot be for pmem_map_file).
    /// </summary>
    public static void Apply(byte* address, nuint length, PrefaultMode mode, bool writable, bool mappedWithFlags)
    {
        if (length == 0)
            return;
        switch (mode)
        {
            case PrefaultMode.Populate when !mappedWithFlags:
            case PrefaultMode.PopulateWrite:
                // Best effort at open and grow: pages the kernel would not populate fault on use instead.
                Populate(address, length, writable);
                break;
            case PrefaultMode.Touch:
                Touch(address, length, writable);
                break;
        }
    }

    /// <summary>
    /// Faults the page-aligned range in for reading or, with <paramref name="write"/>, for writing: the
    /// one mechanism behind the open-time prefault and <see cref="PmemFile.Prefetch(long, long, System.IO.FileAccess)"/>. Returns 0, or
    /// the errno of a failure that touching would turn into a crash: EFAULT (a page past the file's
    /// end, or no block to allocate: SIGBUS) or ENOMEM.
    /// </summary>
    public static int Populate(byte* address, nuint length, bool write)
    {
        if (madvise(address, length, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
            return 0;
        int errno = Errno.Last;
        if (errno == EFAULT || errno == ENOMEM)
            return errno;
        // Kernels before 5.14 reject the advice (EINVAL); touching gives the same result, slower.
        Touch(address, length, write);
        return 0;
    }

    private static void Touch(byte* address, nuint length, bool writable)
    {
        nuint page = AddressSpace.PageSize;
        for (nuint offset = 0; offset < length; offset += page)
        {
            int* word = (int*)(address + offset);
            if (writable)
                Interlocked.Or(ref *word, 0); // a write fault that cannot change a byte, even racing another writer
            else
                Volatile.Read(ref *word);
        }
    }
}
