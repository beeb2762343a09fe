namespace PmdkSharp;

/// <summary>How file blocks are provided when a file is created or grown.</summary>
public enum Preallocation
{
    /// <summary>ftruncate only: blocks are allocated on first write. Cheapest, but a full file system then
    /// fails a store with SIGBUS, which no library can turn into an exception.</summary>
    Sparse,
    /// <summary>posix_fallocate: blocks are reserved up front, so out-of-space surfaces as an exception at create or grow.</summary>
    Allocate,
    /// <summary>Write zeros through the file: every block is allocated and written (no unwritten extents to convert on first store).</summary>
    ZeroFill,
}
