using System.IO;

namespace PmdkSharp;

/// <summary>
/// The file system had no room to create or grow a file: ENOSPC (the device is full), EFBIG (a
/// file-size limit) or EDQUOT (a disk quota), which <see cref="System.Exception.HResult"/> holds.
/// The mapping that was being grown stays usable at its old length and keeps its data.
/// </summary>
public sealed class PmemOutOfSpaceException : IOException
{
    /// <summary>Creates the exception with a message that names the file and the sizes involved.</summary>
    public PmemOutOfSpaceException(string message) : base(message) { }

    /// <summary>Creates the exception for a failed call, keeping its errno as the HResult.</summary>
    internal PmemOutOfSpaceException(string message, int errno) : base(message, errno) { }
}
