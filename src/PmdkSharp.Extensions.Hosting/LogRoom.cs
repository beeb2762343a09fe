using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>What a log's format decides about it, for the health check: one place, so a new format changes only this file.</summary>
internal static class LogRoom
{
    /// <summary>
    /// Bytes of records the open log can still take before appends throw <see cref="PmemLogFullException"/>.
    /// Seam: format 1 holds records up to <see cref="PmemLog.MaxLength"/> from its positions, which are file
    /// offsets; a ring (<c>PmemLog.Capacity</c>) holds its capacity less what lies between start and end.
    /// </summary>
    public static long FreeBytes(PmemLog log) => log.MaxLength - log.End.Offset;

    /// <summary>The open file's format version. Seam: <c>PmemLog.FileFormatVersion</c> once the library has it.</summary>
    public static int FormatVersion(PmemLog log) => PmemLog.FormatVersion;
}
