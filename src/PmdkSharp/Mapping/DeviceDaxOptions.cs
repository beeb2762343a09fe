using System;
using System.IO;
using PmdkSharp.Durability;

namespace PmdkSharp.Mapping;

/// <summary>
/// What <see cref="PmemFileOptions"/> mean on a device-DAX device, checked before it is opened.
/// A device is mapped whole and has a fixed size: it is opened, never created, truncated,
/// allocated or grown; persistence there is cache-line flushes only (msync and fsync answer EINVAL).
/// </summary>
/// <remarks>
/// The rules follow pmem_map_file's for device DAX: a length of 0 (the whole device) or exactly its
/// size; anything else is a mistake worth an exception rather than a mapping of another size.
/// <see cref="PmemFileOptions.Preallocation"/> is ignored: the device's memory is all there already,
/// and the option only applies to a file being created or grown, which a device never is.
/// </remarks>
internal static class DeviceDaxOptions
{
    public static void Validate(DeviceDaxInfo device, PmemFileOptions options)
    {
        string path = device.Path;
        if (options.Mode == FileMode.CreateNew)
            throw new IOException(
                $"Cannot create '{path}': it exists, as device DAX {device.Name} ({device.Size} bytes); a device is opened (Mode = Open or OpenOrCreate), never created.");
        if (options.Mode == FileMode.Create)
            throw new ArgumentException(
                $"Mode = Create would truncate '{path}', but it is device DAX {device.Name}, whose size ({device.Size} bytes) is fixed by its namespace; "
                + "open it with Mode = Open or OpenOrCreate.", nameof(options));
        if (options.Length != 0 && options.Length != device.Size)
            throw new ArgumentException(
                $"Length {options.Length} does not match device DAX '{path}' ({device.Name}), which is mapped whole at {device.Size} bytes "
                + "and cannot be resized: pass 0 or the device's size.", nameof(options));
        if (options.MaxLength is { } max && max != device.Size)
            throw new ArgumentException(
                $"MaxLength {max} does not match device DAX '{path}' ({device.Name}): a device cannot grow past its size of {device.Size} bytes; "
                + "pass null or the device's size.", nameof(options));
        if (options.CrashSimulator is not null)
            throw new NotSupportedException(
                $"A crash simulation cannot map device DAX '{path}': it maps copy-on-write (MAP_PRIVATE), which device DAX refuses (EINVAL). "
                + "Simulate crashes on a file (tmpfs, or a DAX file system) instead.");
    }

    /// <summary>
    /// The managed backend needs its cache-line flusher here: msync, its fallback on file-system
    /// DAX, fails with EINVAL on device DAX, so without the flusher nothing could be made durable.
    /// </summary>
    /// <remarks>Refused read-only too: every mapping gets its durability strategy at open, and there is none to give.</remarks>
    public static void RequireFlush(DeviceDaxInfo device, PmemBackendKind backend)
    {
        if (backend == PmemBackendKind.Pmdk)
            return; // libpmem flushes (or, under eADR, knows it need not)
        CacheLineFlushSupport support = CacheLineFlushSupport.Current;
        if (!support.IsAvailable)
            throw new PlatformNotSupportedException(
                $"Cannot map device DAX '{device.Path}' with the managed backend: persistence there needs cache-line flushes "
                + $"(msync answers EINVAL on device DAX), and {support.Reason}. Use the PMDK backend (libpmem).");
    }
}
