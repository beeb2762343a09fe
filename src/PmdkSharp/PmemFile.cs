using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using PmdkSharp.Diagnostics;
using PmdkSharp.Backends;
using PmdkSharp.Durability;
using PmdkSharp.Interop;
using PmdkSharp.Lifetime;
using PmdkSharp.Mapping;

namespace PmdkSharp;

/// <summary>
/// A file mapped into memory for reading, writing and persisting, on persistent memory or on
/// an ordinary file system. A growable mapping (<see cref="PmemFileOptions.MaxLength"/>) keeps
/// its base address while it grows, so spans and references taken earlier stay valid.
/// </summary>
/// <remarks>
/// <para>Any number of threads may read, write and persist while one grows; concurrent grows are
/// serialized.</para>
/// <para>The lifetime contract: every member that touches the mapping either completes or throws
/// <see cref="ObjectDisposedException"/> when another thread disposes the file meanwhile; none
/// crashes. <see cref="Dispose"/> never waits: an operation in flight, or an open
/// <see cref="PmemAccessScope"/>, keeps the memory mapped and the file open until it ends, and the
/// last one to leave unmaps and closes. Spans, <c>ref</c> returns and pointers from a pinned
/// <see cref="Memory{T}"/> are windows onto the mapping, like those of a <see cref="System.Runtime.InteropServices.SafeBuffer"/>:
/// the caller must not use them after <see cref="Dispose"/>. A pin (<see cref="System.Buffers.MemoryHandle"/>)
/// keeps the memory mapped until it is released, even past Dispose; <see cref="Memory{T}.Span"/>
/// throws <see cref="ObjectDisposedException"/> once the file is disposed.</para>
/// </remarks>
public sealed unsafe partial class PmemFile : IDisposable
{
    private readonly FileMapping mapping;
    private readonly DurabilityStrategy strategy;
    private readonly LeaseGate gate;
    private readonly byte* baseAddress;
    private readonly bool readOnly;
    private int pins; // Memory<byte> pins outstanding, each holding a reference on the mapping

    private PmemFile(string path, PmemFileOptions options, FileMapping mapping, PmemBackendKind backend, DurabilityStrategy strategy)
    {
        Path = path;
        Options = options;
        Backend = backend;
        this.mapping = mapping;
        this.strategy = strategy;
        baseAddress = mapping.Base;
        readOnly = options.ReadOnly;
        gate = new LeaseGate(mapping.Release);
    }

    /// <summary>Opens or creates <paramref name="path"/> and maps it.</summary>
    /// <remarks>
    /// A device-DAX device (<c>/dev/daxX.Y</c>, or a link to one) is mapped whole: <see cref="Length"/> and
    /// <see cref="MaxLength"/> are its size from sysfs, and it is never created, truncated or grown.
    /// <see cref="PmemFileOptions.Length"/> and <see cref="PmemFileOptions.MaxLength"/> must then be 0/null or
    /// exactly that size, <see cref="FileMode.CreateNew"/> and <see cref="FileMode.Create"/> are refused, and
    /// <see cref="PmemFileOptions.Preallocation"/> is ignored. Persistence there is cache-line flushes
    /// (libpmem's, or the managed backend's own), never msync.
    /// </remarks>
    /// <exception cref="ArgumentException">The path is empty, or an option is out of range or inconsistent.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and the mode does not create it.</exception>
    /// <exception cref="DirectoryNotFoundException">The parent directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission, or the path is a directory.</exception>
    /// <exception cref="IOException">The file exists and the mode is <see cref="FileMode.CreateNew"/>; the path is not a regular file (a pipe, a device such as /dev/null, a /proc file) nor device DAX; a regular file is named like a device-DAX device (<c>dax0.0</c>); or another I/O error.</exception>
    /// <exception cref="NotSupportedException">A <see cref="PmemFileOptions.CrashSimulator"/> was given for device DAX (which refuses copy-on-write mappings).</exception>
    /// <exception cref="PlatformNotSupportedException">The managed backend was asked to map device DAX where it cannot flush cache lines (see <see cref="PmemRuntime.GetDiagnostics"/>).</exception>
    /// <exception cref="PmemOutOfSpaceException">No room to create the file at the requested length.</exception>
    /// <exception cref="PmemBackendUnavailableException">The PMDK backend was requested but libpmem is not loadable.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux, or on a process architecture other than x64 and arm64.</exception>
    public static PmemFile Open(string path, PmemFileOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        PlatformSupport.EnsureSupported();
        // Device DAX is told apart from a file before anything else: its options mean other things,
        // and a missing device must not be created as a file by OpenOrCreate. One statx answers
        // every question about the path before it is opened.
        return OpenProbed(PathProbe.Of(path), options);
    }

    /// <summary>
    /// Opens the path <paramref name="probe"/> looked at, for callers that probed it already (the
    /// log checks its own options against the same probe), so an open makes one statx in all.
    /// </summary>
    /// <param name="probe">What the path named a moment ago.</param>
    /// <param name="options">How to open and map it.</param>
    /// <param name="opened">
    /// The regular file at the path, when the caller opened it already (the log reads an existing
    /// log's header through it before anything is mapped), so the path is opened once: this call
    /// owns it and closes it on failure.
    /// </param>
    internal static PmemFile OpenProbed(PathProbe probe, PmemFileOptions options, FileStream? opened = null)
    {
        string path = probe.Path;
        Backends.Backend backend;
        try
        {
            OptionsValidator.Validate(path, options, probe);
            // The one choice of how to map and persist; nothing after this asks which backend, or whether a simulator is in use.
            backend = Backends.Backend.For(options);
        }
        catch
        {
            opened?.Dispose();
            throw;
        }
        FileMapping mapping = probe.Device is { } device
            ? FileMapping.OpenDevice(device, probe, options, backend)
            : FileMapping.Open(probe, options, backend, opened);
        DurabilityStrategy strategy = backend.CreateStrategy(mapping, path);
        if (options.StrategyDecorator is { } decorate)
            strategy = decorate(strategy);
        var file = new PmemFile(path, options, mapping, backend.Kind, strategy);
        backend.Opened(file);
        return file;
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
    public bool IsReadOnly => readOnly;

    /// <summary>Which backend mapped this file: <see cref="PmemBackendKind.Pmdk"/> or <see cref="PmemBackendKind.Managed"/>.</summary>
    public PmemBackendKind Backend { get; }

    /// <summary>How this mapping makes stores durable, chosen when it was opened.</summary>
    public PersistMethod PersistMethod
    {
        get
        {
            ThrowIfDisposed();
            return strategy.Method;
        }
    }

    /// <summary>
    /// True when the mapping is persistent memory: a MAP_SYNC (DAX) mapping, device DAX, or
    /// PMEM_IS_PMEM_FORCE=1.
    /// </summary>
    public bool IsPersistentMemory
    {
        get
        {
            ThrowIfDisposed();
            return mapping.IsPmem;
        }
    }

    /// <summary>True when this maps a device-DAX device (<c>/dev/daxX.Y</c>) whole rather than a file.</summary>
    public bool IsDeviceDax
    {
        get
        {
            ThrowIfDisposed();
            return mapping.Device is not null;
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

    /// <summary>What a store needs to become durable with this mapping's <see cref="PersistMethod"/>, and so what <see cref="Persist(long, long)"/> costs.</summary>
    public StoreGranularity Granularity
    {
        get
        {
            ThrowIfDisposed();
            return strategy.Granularity;
        }
    }

    /// <summary>
    /// How the file was mapped, for diagnostics: one shared mapping over the whole reserved range
    /// (and whether MAP_SYNC was tried), or a device-DAX device mapped whole at its alignment.
    /// </summary>
    public string MappingDescription
    {
        get
        {
            ThrowIfDisposed();
            return mapping.Method;
        }
    }

    /// <summary>True when <see cref="Open"/> created the file; false when it opened (or, with <see cref="FileMode.Create"/>, truncated) an existing one.</summary>
    public bool WasCreated => mapping.Created;

    /// <summary>
    /// Bytes of this mapping backed by huge page table entries now, or null where the kernel does
    /// not say. Reads and parses /proc/self/smaps, so it costs a file read per call.
    /// </summary>
    public long? GetHugePageBytes()
    {
        ThrowIfDisposed();
        nuint start = (nuint)baseAddress;
        return ProcMaps.HugePageBytes(start, start + (nuint)mapping.MaxLength);
    }

    /// <summary>The base address, which never changes for the life of the mapping (for diagnostics and tests).</summary>
    internal nuint BaseAddress => (nuint)baseAddress;

    internal FileMapping Mapping => mapping;

    internal DurabilityStrategy Strategy => strategy;

    /// <summary>True once <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => gate.IsClosing;

    /// <summary>
    /// Grows the file to <paramref name="newLength"/> bytes. The whole reserved range was mapped at
    /// open, so growing only extends the file: the base address is unchanged and earlier spans stay
    /// valid. Growing to the current length does nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Smaller than <see cref="Length"/> (growing never shrinks) or larger than <see cref="MaxLength"/> (on device DAX: its size).</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    /// <exception cref="PmemOutOfSpaceException">No room on the file system; the mapping keeps its old length and contents.</exception>
    /// <exception cref="IOException">Another process truncated the file below the mapped length; the mapping keeps its length, and nothing past the file's new end may be touched (SIGBUS): dispose and reopen.</exception>
    public void Grow(long newLength)
    {
        using LeaseGate.Lease lease = Enter();
        ThrowIfReadOnly();
        long current = mapping.Length;
        if (newLength < current)
            throw new ArgumentOutOfRangeException(nameof(newLength), newLength,
                $"Grow cannot shrink '{Path}' from {current} bytes; the length stays {current}.");
        GrowTo(newLength, nameof(newLength));
    }

    /// <summary>
    /// Grows the file to at least <paramref name="minimumLength"/> bytes, and does nothing when it is
    /// that long already: the way for threads that share a file to grow it without a lock of their
    /// own (<see cref="Grow"/> refuses a length another thread has already grown past). Otherwise as
    /// <see cref="Grow"/>: the base address stays, earlier spans stay valid.
    /// </summary>
    /// <returns>The length mapped now: <paramref name="minimumLength"/>, or more where another thread grew further.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or larger than <see cref="MaxLength"/>.</exception>
    /// <exception cref="NotSupportedException">The file must grow, and the mapping is read-only.</exception>
    /// <exception cref="PmemOutOfSpaceException">No room on the file system; the mapping keeps its old length and contents.</exception>
    /// <exception cref="IOException">As for <see cref="Grow"/>.</exception>
    /// <exception cref="ObjectDisposedException">The mapping has been disposed.</exception>
    public long EnsureLength(long minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        using LeaseGate.Lease lease = Enter();
        long current = mapping.Length;
        if (minimumLength <= current)
            return current;
        ThrowIfReadOnly();
        GrowTo(minimumLength, nameof(minimumLength));
        return mapping.Length;
    }

    /// <summary>Checks the reservation and extends the file; growing to a length already reached does nothing. The caller holds a lease.</summary>
    private void GrowTo(long newLength, string parameter)
    {
        if (newLength > mapping.MaxLength && mapping.Device is { } device)
            throw new ArgumentOutOfRangeException(parameter, newLength,
                $"Cannot grow '{Path}' to {newLength} bytes: it is device DAX {device.Name}, mapped whole at its fixed size of {device.Size} bytes "
                + "(resize the namespace with ndctl to change it).");
        if (newLength > mapping.MaxLength)
            throw new ArgumentOutOfRangeException(parameter, newLength,
                $"Cannot grow '{Path}' beyond its MaxLength of {mapping.MaxLength} bytes (the reserved range); open it with a larger MaxLength.");
        mapping.Grow(newLength, Path);
    }

    /// <summary>
    /// Unmaps and closes the file once no operation, access scope or <see cref="Memory{T}"/> pin
    /// is using it; never waits for them. Safe to call from several threads; only the first call
    /// does anything.
    /// </summary>
    /// <remarks>Dispose does not persist: call <see cref="Persist()"/> first for anything that must survive.</remarks>
    public void Dispose() => gate.Close();

    /// <summary>Describes the mapping for logs.</summary>
    public override string ToString() => gate.IsClosing
        ? $"PmemFile '{Path}' (disposed)"
        : $"PmemFile '{Path}' {mapping.Length}/{mapping.MaxLength} bytes{(mapping.Device is { } device ? $", device DAX {device.Name}" : "")}, {Backend}, {strategy.Method}";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (gate.IsClosing)
            ThrowDisposed();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfReadOnly()
    {
        if (readOnly)
            ThrowReadOnly();
    }

    /// <summary>Holds the mapping (and its file descriptor) until the lease is disposed, or throws if the file is disposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal LeaseGate.Lease Enter()
    {
        if (!gate.TryEnter(out LeaseGate.Lease lease))
            ThrowDisposed();
        return lease;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CheckRange(long offset, long length) => RangeCheck.Check(offset, length, mapping.Length, Path);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(PmemFile), $"The mapping of '{Path}' has been disposed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowReadOnly() =>
        throw new NotSupportedException($"The mapping of '{Path}' is read-only.");
}
