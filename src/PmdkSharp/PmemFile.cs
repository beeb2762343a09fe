using System;
using System.IO;
using PmdkSharp.Backends;
using PmdkSharp.Mapping;

namespace PmdkSharp;

/// <summary>
/// A file mapped into memory for reading, writing and persisting, on persistent memory or on
/// an ordinary file system. A growable mapping (<see cref="PmemFileOptions.MaxLength"/>) keeps
/// its base address while it grows, so spans and references taken earlier stay valid.
/// </summary>
/// <remarks>
/// Any number of threads may read, write and persist while one grows; concurrent grows are
/// serialized. After <see cref="Dispose"/> every member throws <see cref="ObjectDisposedException"/>;
/// the memory is unmapped once the last pinned <see cref="Memory{T}"/> is released. Spans are
/// windows onto the mapping and must not be used after it is disposed.
/// </remarks>
public sealed unsafe partial class PmemFile : IDisposable
{
    private readonly FileMapping mapping;
    private readonly IPmemBackend backend;
    private volatile bool disposed;

    private PmemFile(string path, PmemFileOptions options, FileMapping mapping, IPmemBackend backend)
    {
        Path = path;
        Options = options;
        this.mapping = mapping;
        this.backend = backend;
    }

    /// <summary>Opens or creates <paramref name="path"/> and maps it.</summary>
    /// <exception cref="ArgumentException">The path is empty, or an option is out of range or inconsistent.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and the mode does not create it.</exception>
    /// <exception cref="DirectoryNotFoundException">The parent directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission, or the path is a directory.</exception>
    /// <exception cref="IOException">The file exists and the mode is <see cref="FileMode.CreateNew"/>, or another I/O error.</exception>
    /// <exception cref="PmemOutOfSpaceException">No room to create the file at the requested length.</exception>
    /// <exception cref="PmemBackendUnavailableException">The PMDK backend was requested but libpmem is not loadable.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    public static PmemFile Open(string path, PmemFileOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("PmdkSharp maps files with Linux's mmap, madvise and msync; it runs on Linux only.");
        OptionsValidator.Validate(path, options);
        IPmemBackend backend = BackendSelector.For(options.Backend);
        return new PmemFile(path, options, FileMapping.Open(path, options, backend), backend);
    }

    /// <summary>Opens an existing file and maps its whole current length.</summary>
    /// <param name="path">The file; it must exist.</param>
    /// <param name="readOnly">Map read-only: writes, persists and growth are refused.</param>
    /// <param name="maxLength">
    /// The most the reopened mapping can grow to. A file does not remember the growth limit it was
    /// created with: null (the default) maps it fixed-size at its current length, so <see cref="Grow"/>
    /// fails; pass the limit again (or any value not below the file's length) to keep growing it.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is negative or less than the file's length.</exception>
    /// <remarks>Every other failure is as for <see cref="Open"/>.</remarks>
    public static PmemFile OpenExisting(string path, bool readOnly = false, long? maxLength = null) =>
        Open(path, new PmemFileOptions { Mode = FileMode.Open, ReadOnly = readOnly, MaxLength = maxLength });

    /// <summary>The path the mapping was opened with.</summary>
    public string Path { get; }

    /// <summary>The options the mapping was opened with.</summary>
    public PmemFileOptions Options { get; }

    /// <summary>The mapped length in bytes, equal to the file's length; grows with <see cref="Grow"/>.</summary>
    public long Length
    {
        get
        {
            ThrowIfDisposed();
            return mapping.Length;
        }
    }

    /// <summary>The most <see cref="Grow"/> can reach: the reserved address range.</summary>
    public long MaxLength
    {
        get
        {
            ThrowIfDisposed();
            return mapping.MaxLength;
        }
    }

    /// <summary>True when opened read-only.</summary>
    public bool IsReadOnly => Options.ReadOnly;

    /// <summary>Which backend carries out this mapping's persistence.</summary>
    public PmemBackendKind Backend => backend.Kind;

    /// <summary>
    /// True when the mapping is persistent memory: a MAP_SYNC (DAX) mapping, device DAX, or
    /// PMEM_IS_PMEM_FORCE=1. Otherwise persisting goes through msync.
    /// </summary>
    public bool IsPersistentMemory
    {
        get
        {
            ThrowIfDisposed();
            return mapping.IsPmem;
        }
    }

    /// <summary>True when the kernel accepted MAP_SYNC: page faults keep file metadata durable (DAX).</summary>
    public bool UsesMapSync
    {
        get
        {
            ThrowIfDisposed();
            return mapping.UsesMapSync;
        }
    }

    /// <summary>What a store needs to become durable, and so what <see cref="Persist(long, long)"/> costs.</summary>
    public StoreGranularity Granularity
    {
        get
        {
            ThrowIfDisposed();
            if (!mapping.IsPmem)
                return StoreGranularity.Page;
            return backend.HasAutoFlush ? StoreGranularity.Byte : StoreGranularity.CacheLine;
        }
    }

    /// <summary>
    /// Bytes of this mapping backed by huge page table entries now, as /proc/self/smaps reports
    /// them, or null where the kernel does not say.
    /// </summary>
    public long? HugePageBytes
    {
        get
        {
            ThrowIfDisposed();
            nuint start = (nuint)mapping.Base;
            return ProcMaps.HugePageBytes(start, start + (nuint)mapping.MaxLength);
        }
    }

    /// <summary>The base address, which never changes for the life of the mapping (for diagnostics and tests).</summary>
    internal nuint BaseAddress => (nuint)mapping.Base;

    internal FileMapping Mapping => mapping;

    /// <summary>
    /// Grows the file and the mapping to <paramref name="newLength"/> bytes, mapping only the new
    /// tail. The base address is unchanged and earlier spans stay valid. Growing to the current
    /// length does nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Smaller than <see cref="Length"/> (growing never shrinks) or larger than <see cref="MaxLength"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="PmemOutOfSpaceException">No room on the file system; the mapping keeps its old length and contents.</exception>
    /// <exception cref="IOException">Another process truncated the file below the mapped length; the mapping keeps its length, and nothing past the file's new end may be touched (SIGBUS): dispose and reopen.</exception>
    public void Grow(long newLength)
    {
        ThrowIfWritableDisposed();
        long current = mapping.Length;
        if (newLength < current)
            throw new ArgumentOutOfRangeException(nameof(newLength), newLength,
                $"Grow cannot shrink '{Path}' from {current} bytes; the length stays {current}.");
        if (newLength > mapping.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(newLength), newLength,
                $"Cannot grow '{Path}' beyond its MaxLength of {mapping.MaxLength} bytes (the reserved range); open it with a larger MaxLength.");
        using HandleLease lease = Lease();
        mapping.Grow(newLength, Path);
    }

    /// <summary>Unmaps (once no <see cref="Memory{T}"/> is pinned) and closes the file. A second call does nothing.</summary>
    /// <remarks>Dispose does not persist: call <see cref="Persist()"/> first for anything that must survive.</remarks>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        mapping.Dispose();
    }

    /// <summary>Describes the mapping for logs.</summary>
    public override string ToString() => disposed
        ? $"PmemFile '{Path}' (disposed)"
        : $"PmemFile '{Path}' {mapping.Length}/{mapping.MaxLength} bytes, {backend.Kind}, {(mapping.IsPmem ? "pmem" : "msync")}";

    private void ThrowIfDisposed()
    {
        if (disposed)
            throw new ObjectDisposedException(nameof(PmemFile), $"The mapping of '{Path}' has been disposed.");
    }

    private void ThrowIfWritableDisposed()
    {
        ThrowIfDisposed();
        if (Options.ReadOnly)
            throw new NotSupportedException($"The mapping of '{Path}' is read-only.");
    }

    /// <summary>Keeps the mapping alive across a native call even if another thread disposes it meanwhile.</summary>
    private HandleLease Lease()
    {
        ThrowIfDisposed();
        return new HandleLease(mapping.Handle);
    }

    private readonly ref struct HandleLease
    {
        private readonly MappingHandle handle;

        public HandleLease(MappingHandle handle)
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            this.handle = handle;
        }

        public void Dispose() => handle.DangerousRelease();
    }
}
