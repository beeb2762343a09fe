namespace PmdkSharp.Backends;

/// <summary>
/// The narrow boundary between the public types and the two implementations. Everything a
/// mapping does that differs between PMDK and the managed fallback goes through here; the
/// mapping engine itself (reserve, map extents, grow, prefault) is shared.
/// </summary>
/// <remarks>
/// <c>isPmem</c> is the mapping's own verdict (MAP_SYNC, PMEM_IS_PMEM_FORCE, or pmem_map_file's):
/// where it is false every persist must reach the file system through msync.
/// </remarks>
internal unsafe interface IPmemBackend
{
    PmemBackendKind Kind { get; }

    /// <summary>True when stores are durable without flushing (eADR / auto-flush).</summary>
    bool HasAutoFlush { get; }

    void Persist(byte* address, nuint length, bool isPmem);

    void Flush(byte* address, nuint length, bool isPmem);

    void Drain(bool isPmem);

    void CopyPersist(byte* destination, byte* source, nuint length, bool isPmem);

    void FillPersist(byte* destination, byte value, nuint length, bool isPmem);

    /// <summary>
    /// Maps a whole existing file the backend's own way for a fixed-size mapping, or returns
    /// false when the shared engine should do it.
    /// </summary>
    bool TryMapWholeFile(string path, out byte* address, out nuint mappedLength, out bool isPmem);

    /// <summary>Releases a mapping made by <see cref="TryMapWholeFile"/>.</summary>
    bool UnmapWholeFile(byte* address, nuint mappedLength);
}
