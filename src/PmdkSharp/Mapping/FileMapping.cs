using System;
using System.IO;
using System.Threading;
using PmdkSharp.Backends;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// The mapping engine both backends share: open or create the file, reserve the maximum range,
/// map the file over all of it once, and grow by extending the file only. One mapping (one VMA)
/// for the life of the file, on every file system: overlayfs, unlike ext4 and tmpfs, never merges
/// adjacent file mappings, so mapping each grown tail separately ran into vm.max_map_count.
/// Arguments are validated by <see cref="PmemFile"/> before they get here.
/// </summary>
internal sealed unsafe partial class FileMapping
{
    private readonly PmemFileOptions options;
    private readonly object growLock = new();
    private long length;

    private FileMapping(PmemFileOptions options, MappingHandle handle, long length, long maxLength, bool mapSync, bool isPmem,
        DeviceDaxInfo? device = null)
    {
        this.options = options;
        Device = device;
        Handle = handle;
        this.length = length;
        MaxLength = maxLength;
        UsesMapSync = mapSync;
        IsPmem = isPmem;
        PmemMetrics.Mapped(length);
    }

    public MappingHandle Handle { get; }

    public byte* Base => Handle.Address;

    /// <summary>The file's length and the usable length of the mapping: published after a grow has extended the file.</summary>
    public long Length => Volatile.Read(ref length);

    public long MaxLength { get; }

    public bool UsesMapSync { get; }

    public bool IsPmem { get; }

    /// <summary>The device-DAX device this maps whole, or null for a file.</summary>
    public DeviceDaxInfo? Device { get; }

    /// <summary>How the file was mapped, for diagnostics.</summary>
    public string Method => Device is { } device
        ? $"device DAX {device.Name}: one MAP_SHARED mapping of all {device.Size} bytes at a {device.Alignment}-byte aligned address"
        : $"one mapping over the reserved {MaxLength} bytes (MAP_SYNC tried first)";

    /// <summary>True when this open created the file (it did not exist before).</summary>
    public bool Created { get; private set; }

    /// <summary>
    /// Opens the file once and maps that descriptor, on both backends: the path is never opened
    /// again (pmem_map_file would reopen it, and a rename between the two opens would leave the
    /// mapping and the descriptor that grows and punches holes naming different files).
    /// </summary>
    /// <param name="probe">What the path named a moment ago.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="backend">How to map.</param>
    /// <param name="opened">
    /// The file, when the caller opened it already (the log reads its header first, through the
    /// same descriptor): it is mapped as it is and owned from here on, closed on failure.
    /// </param>
    public static FileMapping Open(PathProbe probe, PmemFileOptions options, Backend backend, FileStream? opened = null)
    {
        string path = probe.Path;
        bool created = false;
        FileStream file = opened ?? FileOpener.Open(probe, options.Mode, options.ReadOnly, options.Permissions, out created);
        try
        {
            MappableFile.Check(file, path);
            long fileLength = file.Length;
            // An empty file (just created, or found empty) is sized to Length, whatever the mode;
            // a read-only mapping cannot extend it and maps it empty.
            if (fileLength == 0 && options.Length > 0 && !options.ReadOnly)
            {
                Preallocator.Extend(file.SafeFileHandle, path, 0, options.Length, options.Preallocation);
                fileLength = options.Length;
            }
            long maxLength = options.MaxLength ?? fileLength;
            if (maxLength < fileLength)
                throw new ArgumentOutOfRangeException(nameof(options), maxLength,
                    $"MaxLength ({maxLength}) is less than the length of '{path}' ({fileLength}).");

            bool writable = !options.ReadOnly;
            FileMapping mapping = MapWholeRange(file, path, options, fileLength, maxLength, backend);
            mapping.Created = created;
            long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
            mapping.Prepare(0, fileLength, writable);
            PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
            return mapping;
        }
        catch
        {
            // Before a handle owns the file nobody else closes it; after, the handle does (Dispose is idempotent).
            file.Dispose();
            // A failed open leaves no trace: a file this call created (at 0 bytes, or cut back to 0
            // by the preallocator) is removed, as if Open had never run.
            if (created)
                RemoveCreated(path);
            throw;
        }
    }

    private static void RemoveCreated(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one to report; a leftover empty file is the lesser harm.
        }
    }

    /// <summary>Maps the whole reserved range once, the way the backend maps (shared, or copy-on-write for a crash simulation).</summary>
    private static FileMapping MapWholeRange(FileStream file, string path, PmemFileOptions options, long fileLength, long maxLength, Backend backend)
    {
        int protection = options.ReadOnly ? PROT_READ : PROT_READ | PROT_WRITE;
        nuint reserved = Math.Max(AddressSpace.RoundUpToPage((ulong)maxLength), AddressSpace.PageSize);
        nuint alignment = AddressSpace.AlignmentFor(reserved);
        MappedRange mapped = backend.MapFile(reserved, alignment, protection, file.SafeFileHandle);
        if (mapped.Errno == ENODEV)
            throw MappableFile.NoDevice(path, "mmap");
        if (mapped.Errno != 0)
            throw AddressSpace.MapRefused(mapped.Errno, "mmap", path, $"mapping {reserved} bytes");
        var handle = MappingHandle.ForMmap(mapped.Address, reserved, file);
        if (options.HugePages)
            Posix.Madvise(mapped.Address, reserved, MADV_HUGEPAGE); // advice only: a kernel without THP for this file type ignores it
        return new FileMapping(options, handle, fileLength, maxLength, mapped.MapSync, mapped.IsPmem);
    }

    /// <summary>Prefaults the file-backed range [from, to).</summary>
    private void Prepare(long from, long to, bool writable)
    {
        nuint start = AddressSpace.RoundUpToPage((ulong)from);
        nuint end = AddressSpace.RoundUpToPage((ulong)to);
        if (end <= start)
            return;
        // The last page of an unaligned length is partly past the end of the file but inside its last page: safe to touch.
        Prefaulter.Apply(Base + start, end - start, options.Prefault, writable);
    }

    /// <summary>
    /// Extends the file to <paramref name="newLength"/>; the range is already mapped, so the base
    /// and every earlier address stay as they are. The caller holds a lease on the mapping.
    /// </summary>
    public void Grow(long newLength, string path)
    {
        lock (growLock)
        {
            long oldLength = length;
            if (newLength <= oldLength)
                return;
            // One fstat per grow (never on the access or persist paths) catches another process's
            // truncation before the grown range is published over a hole, and its growth before ours
            // would shrink (Sparse) or zero (ZeroFill) what it wrote.
            long onDisk = Handle.File.Length;
            if (onDisk < oldLength)
                throw new IOException(
                    $"'{path}' was truncated to {onDisk} bytes by someone else while mapped at {oldLength} bytes; " +
                    $"the bytes past {onDisk} are gone and touching them raises SIGBUS. Dispose the mapping and reopen the file.");
            if (onDisk < newLength)
                Preallocator.Extend(Handle.File.SafeFileHandle, path, onDisk, newLength, options.Preallocation);

            long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
            Prepare(oldLength, newLength, writable: true);
            PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
            Volatile.Write(ref length, newLength);
            PmemMetrics.Grew(oldLength, newLength);
        }
    }

    /// <summary>Unmaps (once no Memory pin is left) and closes the file. Runs once, when no lease is held.</summary>
    public void Release()
    {
        PmemMetrics.Mapped(-Length);
        Handle.Dispose();
    }
}
