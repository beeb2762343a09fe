using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>
/// What the commands need to know about a log that its format decides: which format the file is,
/// and how much room its records have left. One place, so a new format changes only this file.
/// </summary>
internal static class LogFacts
{
    /// <summary>
    /// The open file's format version. Seam: <c>PmemLog.FileFormatVersion</c> once the library has it;
    /// until then the one format there is, the one this library writes.
    /// </summary>
    public static int FileFormatVersion(PmemLog log) => PmemLog.FormatVersion;

    /// <summary>
    /// Whether positions are byte offsets in the file (format 1: records from the header page to the
    /// tail, never wrapping), so bytes past the end can be looked at in the file itself.
    /// </summary>
    public static bool PositionsAreFileOffsets(PmemLog log) => FileFormatVersion(log) == 1;

    /// <summary>
    /// Bytes of records the log can still take before it is full, or null when the file cannot say.
    /// Seam: a format-1 log grows until the MaxLength its writer opens it with, which the file does not
    /// record; a ring (<c>PmemLog.Capacity</c>) holds its capacity less what lies between start and end.
    /// </summary>
    public static long? FreeBytes(PmemLog log) => null;

    /// <summary>Bytes free on the file system that holds <paramref name="path"/> (statvfs): what the file can still grow by.</summary>
    public static long FileSystemFreeBytes(string path) =>
        new System.IO.DriveInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/").AvailableFreeSpace;
}
