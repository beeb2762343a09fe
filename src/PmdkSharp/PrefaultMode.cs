namespace PmdkSharp;

/// <summary>
/// How pages are faulted in ahead of use, at open and for every grown tail. Prefaulting moves
/// the cost of first-touch page faults (4x to 50x a second pass here) out of the write path.
/// </summary>
public enum PrefaultMode
{
    /// <summary>Pages fault on first access.</summary>
    None,
    /// <summary>Read-populates the page tables, as MAP_POPULATE does on a shared file mapping (madvise(MADV_POPULATE_READ) on Linux 5.14+, else touching); writes may still take a minor fault.</summary>
    Populate,
    /// <summary>madvise(MADV_POPULATE_WRITE) (Linux 5.14+), falling back to <see cref="Touch"/> where the kernel refuses.</summary>
    PopulateWrite,
    /// <summary>Write-touch every page from managed code with an atomic no-op, leaving the content unchanged.</summary>
    Touch,
}
