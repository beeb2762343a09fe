namespace PmdkSharp;

/// <summary>How a mapping makes stores durable, chosen once when it is opened (<see cref="PmemFile.PersistMethod"/>).</summary>
public enum PersistMethod
{
    /// <summary>msync(MS_SYNC) of the touched pages: the page cache is written back to the file system.</summary>
    Msync = 0,
    /// <summary>libpmem's cache-line flushes and drain (pmem_persist, pmem_memcpy_persist) on persistent memory.</summary>
    LibpmemFlush = 1,
    /// <summary>The managed backend's own cache-line flushes (CLWB, CLFLUSHOPT or CLFLUSH and SFENCE, chosen by CPUID) on persistent memory.</summary>
    ManagedFlush = 3,
    /// <summary>A <see cref="CrashSimulator"/>'s copy-on-write mapping: each persisted range is written to the file, nothing else.</summary>
    Simulated = 2,
}
