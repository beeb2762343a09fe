using System.IO;

namespace PmdkSharp.Log;

/// <summary>
/// The log cannot take the record: it would reach past <see cref="PmemLogOptions.MaxLength"/>.
/// Nothing was written; the log stays usable for smaller records, or after <see cref="PmemLog.Truncate"/>.
/// </summary>
public sealed class PmemLogFullException : IOException
{
    /// <summary>Creates the exception with a message naming the file and the sizes involved.</summary>
    public PmemLogFullException(string message) : base(message) { }
}

/// <summary>
/// The file is not a log this library can open: another program's file, a log written by a newer
/// format version, or a header that fails its checksum. Opening changed nothing in the file.
/// </summary>
public sealed class PmemLogFormatException : IOException
{
    /// <summary>Creates the exception with a message naming the file and what was found.</summary>
    public PmemLogFormatException(string message) : base(message) { }
}

/// <summary>
/// A record below the committed tail failed its checks (length or checksum): the medium or
/// another writer damaged data that was once durable. The damaged record is never returned.
/// </summary>
public sealed class PmemLogCorruptException : IOException
{
    /// <summary>Creates the exception for the record at <paramref name="position"/>.</summary>
    public PmemLogCorruptException(string message, LogPosition position) : base(message) => Position = position;

    /// <summary>Where the damaged record starts; records before it are intact.</summary>
    public LogPosition Position { get; }
}
