using System;
using System.IO;
using PmdkSharp.Backends;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

internal sealed unsafe partial class FileMapping
{
    /// <summary>
    /// Maps a device-DAX device whole: its size comes from sysfs (fstat says 0), the mapping is
    /// MAP_SHARED at an address aligned to the device's alignment (the kernel answers EINVAL to a
    /// misaligned fixed one), and nothing is truncated, allocated or created. The options were checked
    /// against the device by <see cref="DeviceDaxOptions"/>.
    /// </summary>
    public static FileMapping OpenDevice(DeviceDaxInfo device, PathProbe probe, PmemFileOptions options, Backend backend)
    {
        string path = probe.Path;
        backend.CheckDevice(device);
        if (device.Size <= 0 || device.Size % device.Alignment != 0)
            throw new IOException(
                $"Device DAX '{path}' ({device.Name}) reports {device.Size} bytes in sysfs, which is not a positive multiple of its alignment " +
                $"({device.Alignment}): it cannot be mapped whole. Check the namespace with 'ndctl list -N'.");
        FileStream file = FileOpener.Open(probe, FileMode.Open, options.ReadOnly, options.Permissions, out _);
        try
        {
            bool writable = !options.ReadOnly;
            // Mapped from this descriptor on both backends, never by pmem_map_file(path), which would open the path again.
            FileMapping mapping = MapDevice(device, file, path, options, backend);
            long prefaultStart = PmemMetrics.PrefaultStart(options.Prefault);
            mapping.Prepare(0, device.Size, writable);
            PmemMetrics.PrefaultEnd(prefaultStart, options.Prefault);
            return mapping;
        }
        catch
        {
            file.Dispose(); // idempotent: a handle that took the file closes it too
            throw;
        }
    }

    private static FileMapping MapDevice(DeviceDaxInfo device, FileStream file, string path, PmemFileOptions options, Backend backend)
    {
        int protection = options.ReadOnly ? PROT_READ : PROT_READ | PROT_WRITE;
        nuint length = (nuint)device.Size;
        // The device's alignment, or PMDK's larger one for big ranges (1 GiB page table entries).
        nuint alignment = Math.Max((nuint)device.Alignment, AddressSpace.AlignmentFor(length));
        // MAP_SYNC is accepted on device DAX (it has no file metadata to keep in sync); MAP_SHARED
        // alone is just as durable there, so either result maps the same memory.
        MappedRange mapped = backend.MapFile(length, alignment, protection, file.SafeFileHandle);
        if (mapped.Errno != 0)
            throw AddressSpace.MapRefused(mapped.Errno, "mmap", path, $"device DAX {device.Name}, {device.Size} bytes, alignment {device.Alignment}");
        byte* baseAddress = mapped.Address;
        var handle = MappingHandle.ForMmap(baseAddress, length, file);
        // The address is a hint; the device-DAX driver aligns whatever it picks itself, so this only
        // guards against a kernel that would not.
        if ((nuint)baseAddress % (nuint)device.Alignment != 0)
        {
            handle.Dispose();
            throw new IOException(
                $"mmap placed device DAX '{path}' at 0x{(nuint)baseAddress:x}, not aligned to its {device.Alignment} bytes; the mapping was released.");
        }
        if (options.HugePages)
            Posix.Madvise(baseAddress, length, MADV_HUGEPAGE); // advice only, as for a file
        return new FileMapping(options, handle, device.Size, device.Size, mapped.MapSync, isPmem: true, device);
    }
}
