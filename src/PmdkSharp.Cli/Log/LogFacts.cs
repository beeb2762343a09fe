using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>
/// What the commands need to know about a log that its format decides: whether positions are file offsets,
/// and how much room its records have left. One place, so a new format changes only this file.
/// </summary>
internal static class LogFacts
{
    /// <summary>
    /// Whether positions are byte offsets in the file (format 1: records from the header page to the end,
    /// never wrapping), so the bytes past the end can be looked at in the file itself. Format 2 positions
    /// wrap around the ring; its bytes past the end are earlier laps and never validate anyway.
    /// </summary>
    public static bool PositionsAreFileOffsets(PmemLog log) => log.FileFormatVersion == 1;

    /// <summary>
    /// Bytes of records the log can still take before it is full, or null when the file cannot say: a
    /// format-1 log grew until the MaxLength its writer opened it with, which the file does not record;
    /// a ring holds its capacity (fixed at creation) less its live bytes.
    /// </summary>
    public static long? FreeBytes(PmemLog log) => log.FileFormatVersion == 1 ? null : log.Capacity - log.LiveBytes;

    /// <summary>Bytes free on the file system that holds <paramref name="path"/> (statvfs): what the file can still grow by.</summary>
    public static long FileSystemFreeBytes(string path) =>
        new System.IO.DriveInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/").AvailableFreeSpace;
}
