using System.IO;

namespace PmdkSharp;

/// <summary>
/// The kernel refused to map (mmap answered ENOMEM or EAGAIN, which <see cref="System.Exception.HResult"/>
/// holds): the process has no free address range that large, has reached vm.max_map_count mappings,
/// or has hit its RLIMIT_AS or the system's overcommit limit. Nothing was mapped and no file was
/// changed; unlike <see cref="PmemOutOfSpaceException"/> it says nothing about room on the file system.
/// </summary>
public sealed class PmemAddressSpaceException : IOException
{
    /// <summary>Creates the exception with a message that names the file and the range asked for.</summary>
    public PmemAddressSpaceException(string message) : base(message) { }

    /// <summary>Creates the exception for a failed mmap, keeping its errno as the HResult.</summary>
    internal PmemAddressSpaceException(string message, int errno) : base(message, errno) { }
}
