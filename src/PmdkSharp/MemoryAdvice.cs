namespace PmdkSharp;

/// <summary>
/// How a range of the mapping is about to be used, passed to <see cref="PmemFile.Advise"/> (madvise).
/// Advice never changes the file's content; the kernel may ignore it.
/// </summary>
public enum MemoryAdvice
{
    /// <summary>MADV_NORMAL: the default read-ahead; undoes <see cref="Random"/> and <see cref="Sequential"/>.</summary>
    Normal,
    /// <summary>MADV_RANDOM: no read-ahead on a page fault, for scattered reads of a large file.</summary>
    Random,
    /// <summary>MADV_SEQUENTIAL: aggressive read-ahead, and pages behind the reader may be reclaimed early.</summary>
    Sequential,
    /// <summary>
    /// MADV_WILLNEED: start reading the range into the page cache now, without waiting and without
    /// mapping it (the first access still takes a minor fault; <see cref="PmemFile.Prefetch(long, long, System.IO.FileAccess)"/> maps it too).
    /// </summary>
    WillNeed,
    /// <summary>
    /// MADV_DONTNEED: drop the range from this process's page tables. On this shared file mapping
    /// nothing is lost: written bytes stay in the page cache and the file, and the next access maps
    /// them again (a minor fault). Memory is freed only when the kernel later evicts the page cache.
    /// </summary>
    DontNeed,
}
