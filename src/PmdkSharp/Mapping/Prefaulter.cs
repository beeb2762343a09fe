using System.Threading;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>Faults pages in ahead of use, so first-touch faults are paid up front instead of on the write path.</summary>
internal static unsafe class Prefaulter
{
    /// <summary>Prefaults a range that is backed by the file (never past its end: that would raise SIGBUS).</summary>
    public static void Apply(byte* address, nuint length, PrefaultMode mode, bool writable)
    {
        if (length == 0 || mode == PrefaultMode.None)
            return;
        if (mode == PrefaultMode.Touch)
        {
            // The kernel populates in bulk first (one call instead of a fault per page), then the touch from
            // user space makes each page's first access: where a hypervisor shadows the page tables, that
            // access traps even after a populate (~4.5 us a page in the VM measured, see PrefaultMode.Touch).
            // A refused populate leaves the touch to fault the pages in, as before.
            if (KernelPopulates)
                Populate(address, length, writable);
            Touch(address, length, writable);
            return;
        }
        // Populate read-populates as MAP_POPULATE does on a shared file mapping; the mapping is made
        // once over the whole reservation, so each grown range is populated with madvise instead.
        // Best effort: pages the kernel would not populate fault on use instead.
        Populate(address, length, mode == PrefaultMode.PopulateWrite && writable);
    }

    /// <summary>
    /// Faults the page-aligned range in for reading or, with <paramref name="write"/>, for writing: the
    /// one mechanism behind the open-time prefault and <see cref="PmemFile.Prefetch(long, long, System.IO.FileAccess)"/>. Returns 0, or
    /// the kernel's refusal: EFAULT (a page past the file's end, or no block to allocate: what a touch
    /// would turn into SIGBUS), ENOMEM (not mapped) or EINVAL (a range it will not fault in).
    /// </summary>
    public static int Populate(byte* address, nuint length, bool write)
    {
        if (!KernelPopulates)
        {
            // Kernels before 5.14 do not know the advice; touching gives the same result, slower.
            Touch(address, length, write);
            return 0;
        }
        int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
        int errno;
        // A signal stops a long populate with EINTR (the runtime's own, suspending threads for a GC,
        // among them); pages already populated make the repeat cheap.
        do
            errno = Posix.Madvise(address, length, advice);
        while (errno == EINTR);
        // Any refusal is returned, never answered by touching: where the kernel refuses to populate
        // (no block to allocate, a page past the end, a range it will not fault in), a touch would
        // turn the refusal into a crash.
        return errno;
    }

    // Whether madvise knows MADV_POPULATE_READ: it validates the advice before the range, so an
    // empty range answers EINVAL only where the advice itself is unknown.
    private static readonly bool KernelPopulates = Posix.Madvise((void*)PageAlignedProbe, 0, MADV_POPULATE_READ) != EINVAL;

    private static nuint PageAlignedProbe => AddressSpace.PageSize;

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
