using System;

namespace PmdkSharp.Log;

/// <summary>The log's metrics (placeholder until the instruments land).</summary>
internal static class LogMetrics
{
    internal static long StartTimestamp() => 0;

    internal static void Appended(int records, long bytes, long startTimestamp)
    {
    }

    internal static void Committed(int records)
    {
    }

    internal static void Flushed(int flushes)
    {
    }

    internal static void Recovered(long records, TimeSpan elapsed)
    {
    }
}
