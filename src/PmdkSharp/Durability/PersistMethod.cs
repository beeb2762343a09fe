namespace PmdkSharp;

/// <summary>How a mapping makes stores durable, chosen once when it is opened (<see cref="PmemFile.PersistMethod"/>).</summary>
public enum PersistMethod
{
    /// <summary>msync(MS_SYNC) of the touched pages: the page cache is written back to the file system.</summary>
    Msync,
    /// <summary>libpmem's cache-line flushes and drain (pmem_persist, pmem_memcpy_persist) on persistent memory.</summary>
    LibpmemFlush,
}
