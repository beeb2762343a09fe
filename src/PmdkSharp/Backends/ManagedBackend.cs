using System;
using System.Runtime.CompilerServices;

namespace PmdkSharp.Backends;

/// <summary>
/// The fallback used when libpmem is absent. .NET has no cache-line flush instruction, so
/// every persist is an msync: correct on DAX (the kernel flushes the cache lines of dirty
/// pages) and on page-cache file systems alike, at page granularity.
/// </summary>
internal sealed unsafe class ManagedBackend : IPmemBackend
{
    public static readonly ManagedBackend Instance = new();

    private ManagedBackend() { }

    public PmemBackendKind Kind => PmemBackendKind.Managed;

    public bool HasAutoFlush => AutoFlushProbe.PlatformHasAutoFlush;

    public void Persist(byte* address, nuint length, bool isPmem) => Msync.Range(address, length);

    // msync cannot be split into a flush and a drain: the flush does the whole job.
    public void Flush(byte* address, nuint length, bool isPmem) => Msync.Range(address, length);

    public void Drain(bool isPmem) { }

    public void CopyPersist(byte* destination, byte* source, nuint length, bool isPmem)
    {
        Buffer.MemoryCopy(source, destination, length, length);
        Msync.Range(destination, length);
    }

    public void FillPersist(byte* destination, byte value, nuint length, bool isPmem)
    {
        Fill(destination, value, length);
        Msync.Range(destination, length);
    }

    internal static void Fill(byte* destination, byte value, nuint length)
    {
        // InitBlockUnaligned takes a uint length; large fills go in chunks.
        while (length > 0)
        {
            uint chunk = (uint)Math.Min(length, (nuint)uint.MaxValue);
            Unsafe.InitBlockUnaligned(destination, value, chunk);
            destination += chunk;
            length -= chunk;
        }
    }

    public bool TryMapWholeFile(string path, out byte* address, out nuint mappedLength, out bool isPmem)
    {
        address = null;
        mappedLength = 0;
        isPmem = false;
        return false;
    }

    public bool UnmapWholeFile(byte* address, nuint mappedLength) =>
        throw new InvalidOperationException("The managed backend maps no whole files of its own.");
}
