using System;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Backends;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// The mapping engine both backends share: open or create the file, reserve the maximum
/// range, map the file over it, and grow by mapping only each new tail. Arguments are
/// validated by <see cref="PmemFile"/> before they get here.
/// </summary>
internal sealed unsafe class FileMapping : IDisposable
{
    private readonly FileStream file;
    private readonly PmemFileOptions options;
    private readonly object growLock = new();
    private readonly int protection;
    private readonly int mapFlags;
    private long length;

    private FileMapping(FileStream file, PmemFileOptions options, MappingHandle handle, long length, long maxLength,
        int protection, int mapFlags, bool mapSync, bool isPmem)
    {
        this.file = file;
        this.options = options;
        Handle = handle;
        this.length = length;
        MaxLength = maxLength;
        this.protection = protection;
        this.mapFlags = mapFlags;
        UsesMapSync = mapSync;
        IsPmem = isPmem;
        PmemMetrics.Mapped(length);
    }

    public MappingHandle Handle { get; }

    public byte* Base => Handle.Address;

    /// <summary>The open file, for calls on the file rather than the mapping (punching holes).</summary>
    public SafeFileHandle FileHandle => file.SafeFileHandle;

    /// <summary>The file's length and the mapped length: published after a grow's tail is mapped.</summary>
    public long Length => Volatile.Read(ref length);

    public long MaxLength { get; }

    public bool UsesMapSync { get; }

    public bool IsPmem { get; }

    public static FileMapping Open(string path, PmemFileOptions options, IPmemBackend backend)
    {
        FileStream file = FileOpener.Open(path, options.Mode, options.ReadOnly, options.Permissions);
        try
        {
            long fileLength = file.Length;
            if (fileLength == 0 && options.Mode != FileMode.Open)
            {
                Preallocator.Extend(file.SafeFileHandle, path, 0, options.Length, options.Preallocation);
                fileLength = options.Length;
            }
            long maxLength = options.MaxLength ?? fileLength;
            if (maxLength < fileLength)
                throw new ArgumentOutOfRangeException(nameof(options), maxLength,
                    $"MaxLength ({maxLength}) is less than the length of '{path}' ({fileLength}).");

            bool writable = !options.ReadOnly;
            bool growable = maxLength > fileLength;
            if (!growable && writable && fileLength > 0
                && backend.TryMapWholeFile(path, out byte* address, out nuint mapped, out bool wholeIsPmem))
            {
                var whole = MappingHandle.ForWholeFile(address, mapped, backend);
                // pmem_map_file tries MAP_SYNC itself; unforced, its is_pmem means MAP_SYNC held (or device DAX).
                long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
                Prepare(address, (nuint)fileLength, options, writable, mappedWithFlags: false);
                PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
                return new FileMapping(file, options, whole, fileLength, fileLength, PROT_READ | PROT_WRITE, 0,
                    mapSync: wholeIsPmem && PmemForce.Value is null, isPmem: wholeIsPmem);
            }
            return MapOverReservation(file, path, options, fileLength, maxLength);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static FileMapping MapOverReservation(FileStream file, string path, PmemFileOptions options, long fileLength, long maxLength)
    {
        bool writable = !options.ReadOnly;
        int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
        nuint reserved = Math.Max(AddressSpace.RoundUpToPage((ulong)maxLength), AddressSpace.PageSize);
        byte* baseAddress = AddressSpace.Reserve(reserved, AddressSpace.AlignmentFor(reserved));
        MappingHandle handle = MappingHandle.ForReservation(baseAddress, reserved);
        try
        {
            int fd = (int)file.SafeFileHandle.DangerousGetHandle();
            nuint extent = AddressSpace.RoundUpToPage((ulong)fileLength);
            int prefaultFlags = Prefaulter.MapFlags(options.Prefault);

            // MAP_SYNC first: it only succeeds on DAX, where it makes CPU cache flushes enough to persist.
            int flags = MAP_SHARED_VALIDATE | MAP_SYNC;
            bool mapSync = true;
            if (extent > 0)
            {
                long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
                int errno = AddressSpace.TryMapExtent(baseAddress, 0, extent, protection, flags | prefaultFlags, fd);
                if (errno == EOPNOTSUPP || errno == EINVAL)
                {
                    flags = MAP_SHARED;
                    mapSync = false;
                    errno = AddressSpace.TryMapExtent(baseAddress, 0, extent, protection, flags | prefaultFlags, fd);
                }
                if (errno != 0)
                    throw Errno.ToException(errno, "mmap", path);
                Prepare(baseAddress, extent, options, writable, mappedWithFlags: true);
                PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
            }
            else
            {
                // An empty file has no extent to learn from: probe whether later extents may use MAP_SYNC.
                mapSync = ProbeMapSync(fd, protection);
                if (!mapSync)
                    flags = MAP_SHARED;
            }
            return new FileMapping(file, options, handle, fileLength, maxLength, protection, flags,
                mapSync, PmemForce.Apply(mapSync));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>For an empty file: whether MAP_SYNC would be accepted, learnt from a one-page probe mapping.</summary>
    private static bool ProbeMapSync(int fd, int protection)
    {
        void* probe = mmap(null, AddressSpace.PageSize, protection, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
        if (probe == (void*)MAP_FAILED)
            return false;
        munmap(probe, AddressSpace.PageSize);
        return true;
    }

    /// <summary>Huge-page advice and prefault for a freshly mapped range.</summary>
    private static void Prepare(byte* address, nuint length, PmemFileOptions options, bool writable, bool mappedWithFlags)
    {
        if (options.HugePages)
            madvise(address, length, MADV_HUGEPAGE); // advice only: a kernel without THP for this file type ignores it
        Prefaulter.Apply(address, length, options.Prefault, writable, mappedWithFlags);
    }

    /// <summary>Extends the file and maps the new tail at base + old mapped length; the base never moves.</summary>
    public void Grow(long newLength, string path)
    {
        lock (growLock)
        {
            long oldLength = length;
            if (newLength <= oldLength)
                return;
            // One fstat per grow (never on the access or persist paths) catches another process's
            // truncation before a new tail is mapped past a hole, and its growth before ours would
            // shrink (Sparse) or zero (ZeroFill) what it wrote.
            long onDisk = FileLengthOnDisk();
            if (onDisk < oldLength)
                throw new IOException(
                    $"'{path}' was truncated to {onDisk} bytes by someone else while mapped at {oldLength} bytes; " +
                    $"the bytes past {onDisk} are gone and touching them raises SIGBUS. Dispose the mapping and reopen the file.");
            if (onDisk < newLength)
                Preallocator.Extend(file.SafeFileHandle, path, onDisk, newLength, options.Preallocation);

            nuint mappedOld = AddressSpace.RoundUpToPage((ulong)oldLength);
            nuint mappedNew = AddressSpace.RoundUpToPage((ulong)newLength);
            if (mappedNew > mappedOld)
            {
                // Same file, contiguous offset, same flags: the kernel merges the tail into the previous VMA.
                int fd = (int)file.SafeFileHandle.DangerousGetHandle();
                long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
                int errno = AddressSpace.TryMapExtent(Base, mappedOld, mappedNew - mappedOld, protection,
                    mapFlags | Prefaulter.MapFlags(options.Prefault), fd);
                if (errno != 0)
                {
                    if (onDisk < newLength)
                        ftruncate(fd, onDisk); // give back only what this grow added
                    throw errno == ENOMEM
                        ? new PmemOutOfSpaceException($"Cannot map the grown tail of '{path}': {Errno.Describe(errno)}; the mapping keeps its {oldLength} bytes.")
                        : Errno.ToException(errno, "mmap (grow)", path, $"the mapping keeps its {oldLength} bytes");
                }
                Prepare(Base + mappedOld, mappedNew - mappedOld, options, writable: true, mappedWithFlags: true);
                PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
            }
            Volatile.Write(ref length, newLength);
            PmemMetrics.Grew(oldLength, newLength);
        }
    }

    /// <summary>The file's length on disk now (another process may have truncated it).</summary>
    public long FileLengthOnDisk() => file.Length;

    public void Dispose()
    {
        PmemMetrics.Mapped(-Length);
        Handle.Dispose();
        file.Dispose();
    }
}
