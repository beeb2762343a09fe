using System.Threading;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>Faults pages in ahead of use: first-touch cost paid up front, in one batch, instead of one fault per page later.</summary>
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
                int advice = writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
                // Kernels before 5.14 reject the advice (EINVAL); touching gives the same result, slower.
                if (madvise(address, length, advice) != 0)
                    Touch(address, length, writable);
                break;
            case PrefaultMode.Touch:
                Touch(address, length, writable);
                break;
        }
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
