using System.IO;

namespace PmdkSharp;

/// <summary>
/// The file system had no room (ENOSPC, or EFBIG from a file-size limit) to create or grow a
/// file. The mapping that was being grown stays usable at its old length and keeps its data.
/// </summary>
public sealed class PmemOutOfSpaceException : IOException
{
    /// <summary>Creates the exception with a message that names the file and the sizes involved.</summary>
    public PmemOutOfSpaceException(string message) : base(message) { }
}
