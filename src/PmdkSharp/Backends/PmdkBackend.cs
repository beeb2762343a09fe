using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Backends;

/// <summary>
/// libpmem: cache flushes (clwb/clflushopt) and a fence where the mapping is persistent memory,
/// pmem_msync where it is not, and pmem_map_file for fixed-size files.
/// </summary>
internal sealed unsafe class PmdkBackend : IPmemBackend
{
    public static readonly PmdkBackend Instance = new();

    private PmdkBackend() { }

    public PmemBackendKind Kind => PmemBackendKind.Pmdk;

    public bool HasAutoFlush => pmem_has_auto_flush() == 1;

    public void Persist(byte* address, nuint length, bool isPmem)
    {
        if (isPmem)
            pmem_persist(address, length);
        else
            Msync(address, length);
    }

    public void Flush(byte* address, nuint length, bool isPmem)
    {
        if (isPmem)
            pmem_flush(address, length);
        else
            Msync(address, length);
    }

    public void Drain(bool isPmem)
    {
        if (isPmem)
            pmem_drain();
    }

    public void CopyPersist(byte* destination, byte* source, nuint length, bool isPmem)
    {
        if (isPmem)
        {
            pmem_memcpy_persist(destination, source, length);
            return;
        }
        System.Buffer.MemoryCopy(source, destination, length, length);
        Msync(destination, length);
    }

    public void FillPersist(byte* destination, byte value, nuint length, bool isPmem)
    {
        if (isPmem)
        {
            pmem_memset_persist(destination, value, length);
            return;
        }
        ManagedBackend.Fill(destination, value, length);
        Msync(destination, length);
    }

    public bool TryMapWholeFile(string path, out byte* address, out nuint mappedLength, out bool isPmem)
    {
        nuint length;
        int pmem;
        // len 0 without PMEM_FILE_CREATE maps the whole existing file; the caller has already
        // created and sized it, so both backends share one set of open/create semantics.
        address = (byte*)pmem_map_file(path, 0, 0, 0, &length, &pmem);
        if (address == null)
            throw Errno.LastToException("pmem_map_file", path, NativeText.LibpmemErrorMessage());
        mappedLength = length;
        isPmem = pmem != 0;
        return true;
    }

    public bool UnmapWholeFile(byte* address, nuint mappedLength) => pmem_unmap(address, mappedLength) == 0;

    private static void Msync(byte* address, nuint length)
    {
        if (length != 0 && pmem_msync(address, length) != 0)
            throw Errno.LastToException("pmem_msync", null, NativeText.LibpmemErrorMessage());
    }
}
