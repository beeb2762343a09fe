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
    /// <summary>
    /// madvise(MADV_POPULATE_WRITE) (Linux 5.14+), falling back to <see cref="Touch"/> where the kernel refuses.
    /// The usual choice on bare metal and most VMs; where <c>pmemsharp info</c> reports that populate leaves a
    /// first-access cost (a hypervisor that shadows page tables), use <see cref="Touch"/>.
    /// </summary>
    PopulateWrite,
    /// <summary>
    /// Populates as <see cref="PopulateWrite"/> does, then write-touches every page from managed code with an
    /// atomic no-op (the content is unchanged), so each page's first user access happens at open. Under a
    /// hypervisor that shadows page tables (a PVM guest measured: 4.5 us per page's first write after
    /// PopulateWrite, 0.15 us after Touch) only that removes the cost from the write path.
    /// </summary>
    Touch,
}
