using System;
using System.IO;

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
    }
}
