using System;
using System.IO;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// What a path names, from the one statx an open makes before it opens anything: nothing yet, a
/// directory, a FIFO, a device-DAX device (with its facts from sysfs), or anything else (a regular
/// file, for the opener and <see cref="MappableFile"/> to check once it is open). Symbolic links
/// are followed: a link to /dev/dax0.0 is the device.
/// </summary>
internal readonly record struct PathProbe(string Path, int Type, DeviceDaxInfo? Device)
{
    /// <summary>Whether something exists at the path (Type is then its S_IF* type).</summary>
    public bool Exists => Type != 0;

    public bool IsDirectory => Type == S_IFDIR;

    public bool IsFifo => Type == S_IFIFO;

    /// <summary>Whether a file exists there, as <see cref="File.Exists(string)"/> would say (anything but a directory).</summary>
    public bool IsFile => Exists && !IsDirectory;

    /// <exception cref="IOException">A character device that is not device DAX, or a regular file named like one (<c>dax0.0</c>: made by a write to the path while the device was missing).</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at a path named like a device-DAX device.</exception>
    public static PathProbe Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int errno = Posix.Statx(path, STATX_TYPE | STATX_MODE, out statx status);
        if (errno != 0)
        {
            if (errno == ENOENT && DeviceDax.LooksLikeDeviceDax(path))
                throw new FileNotFoundException(
                    $"Device DAX '{path}' does not exist (is the namespace in devdax mode, e.g. 'ndctl list -N'?); a file is not created in its place.", path);
            if (errno == ENOENT || errno == ENOTDIR)
                return new PathProbe(path, 0, null); // not there yet: the file opener creates it or reports it
            throw Errno.ToException(errno, "statx", path);
        }

        int type = status.stx_mode & S_IFMT;
        if (type == S_IFCHR)
            return new PathProbe(path, type, DeviceDax.FromCharacterDevice(path, status));
        if (type == S_IFREG && DeviceDax.LooksLikeDeviceDax(path))
            throw new IOException(
                $"'{path}' is a regular file, not a device-DAX character device; it was probably created by a write to the path " +
                "while the device was missing. Remove it and check the namespace (ndctl list -N).");
        return new PathProbe(path, type, null);
    }
}
