using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>What a log's format decides about its room, for the health check: one place, so a new format changes only this file.</summary>
internal static class LogRoom
{
    /// <summary>
    /// Bytes of records the open log can still take before appends throw <see cref="PmemLogFullException"/>:
    /// a ring's capacity less its live records (format 2); for a format-1 log, which is open read-only and
    /// whose positions are file offsets, what is left of its file past the end.
    /// </summary>
    public static long FreeBytes(PmemLog log) =>
        log.FileFormatVersion == 1 ? log.MaxLength - log.End.Offset : log.Capacity - log.LiveBytes;
}
