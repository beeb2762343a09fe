using System.Collections.Generic;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// Which cache lines a range covers: the arithmetic the emitted flush loop performs (align the
/// start down to the line, step one line until the end), kept here as plain code so tests can
/// check the machine code against it.
/// </summary>
internal static class CacheLines
{
    /// <summary>Bytes per cache line on every x86-64 CPU (and the flush granularity libpmem assumes).</summary>
    public const int Size = 64;

    public static nuint AlignDown(nuint address) => address & ~(nuint)(Size - 1);

    /// <summary>How many lines [address, address + length) touches; none when the length is zero.</summary>
    public static nuint Count(nuint address, nuint length) =>
        length == 0 ? 0 : (AlignDown(address + length - 1) - AlignDown(address)) / Size + 1;

    /// <summary>The start address of every line [address, address + length) touches, in order.</summary>
    public static IEnumerable<nuint> Covering(nuint address, nuint length)
    {
        if (length == 0)
            yield break;
        nuint end = address + length;
        for (nuint line = AlignDown(address); line < end; line += Size)
            yield return line;
    }
}
