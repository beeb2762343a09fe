using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// Reads the log of libpmem's debug build (PMEM_LOG_LEVEL=15): every public call logs its name and
/// arguments on entry, e.g. <c>[pmem.c:238 pmem_persist] addr 0x7f.. len 100</c>,
/// <c>[pmem.c:724 pmem_memcpy_persist] pmemdest 0x7f.. src 0x.. len 5</c>, <c>[pmem.c:189 pmem_drain]</c>.
/// A _persist call logs the pmem_drain it ends with (and pmem_persist its pmem_flush) as calls of their own,
/// so a _nodrain copy shows as a flush with no drain after it. Internal helpers (flush_clwb, memmove_*) and
/// calls that make nothing durable (pmem_is_pmem, ...) are left out.
/// </summary>
internal static partial class DebugLibpmemLog
{
    [GeneratedRegex(@"\[[^\] ]+ (?<function>pmem_\w+)\] ?(?<arguments>.*)$")]
    private static partial Regex Call();

    [GeneratedRegex(@"(?:addr|pmemdest) 0x(?<address>[0-9a-f]+)\b.*\blen (?<length>\d+)")]
    private static partial Regex Range();

    public static List<FlushEvent> Parse(string text)
    {
        var events = new List<FlushEvent>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Match call = Call().Match(line);
            if (!call.Success)
                continue;
            string function = call.Groups["function"].Value;
            if (function is "pmem_drain" or "pmem_deep_drain")
            {
                events.Add(new FlushEvent(true, 0, 0, function));
                continue;
            }
            if (!MakesDurable(function))
                continue;
            Match range = Range().Match(call.Groups["arguments"].Value);
            if (!range.Success)
                throw new FormatException($"libpmem's log line names no range: {line}");
            events.Add(new FlushEvent(false, ulong.Parse(range.Groups["address"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range.Groups["length"].Value, CultureInfo.InvariantCulture), function));
        }
        return events;
    }

    private static bool MakesDurable(string function) =>
        function is "pmem_persist" or "pmem_flush" or "pmem_msync" or "pmem_deep_flush" or "pmem_deep_persist"
        || function.StartsWith("pmem_memcpy", StringComparison.Ordinal)
        || function.StartsWith("pmem_memmove", StringComparison.Ordinal)
        || function.StartsWith("pmem_memset", StringComparison.Ordinal);
}
