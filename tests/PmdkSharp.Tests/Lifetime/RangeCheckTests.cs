using System;
using PmdkSharp.Lifetime;
using Xunit;

namespace PmdkSharp.Tests.Lifetime;

/// <summary>
/// The one bounds check every ranged member shares, against its definition (0 &lt;= offset,
/// 0 &lt;= length, offset + length &lt;= mapped, in exact arithmetic) over every small case and the
/// extremes where 64-bit sums overflow. Nothing is touched, so a check that lets one byte too many
/// through fails here by assertion (BoundaryTests checks the members that use it).
/// </summary>
public class RangeCheckTests
{
    private static readonly long[] Values = [long.MinValue, long.MinValue + 1, -4097, -2, -1, 0, 1, 2, 3, 4095, 4096, 4097, long.MaxValue - 1, long.MaxValue];

    [Fact]
    public void Accepts_exactly_the_ranges_inside_the_mapping()
    {
        foreach (long mapped in new long[] { 0, 1, 2, 3, 4096, 8000, long.MaxValue })
        {
            foreach (long offset in Values)
                foreach (long length in Values)
                    Check(offset, length, mapped);
            for (long offset = 0; offset <= Math.Min(mapped, 4) + 2; offset++)
                for (long length = 0; length <= Math.Min(mapped, 4) + 2; length++)
                {
                    Check(offset, length, mapped);
                    Check(mapped - offset, length, mapped);
                }
        }
    }

    private static void Check(long offset, long length, long mapped)
    {
        bool inside = offset >= 0 && length >= 0 && (Int128)offset + length <= mapped;
        Exception? error = Record.Exception(() => RangeCheck.Check(offset, length, mapped, "/test/path"));
        if (inside)
            Assert.True(error is null, $"offset {offset}, length {length}, mapped {mapped}: rejected ({error?.Message})");
        else
            Assert.True(error is ArgumentOutOfRangeException, $"offset {offset}, length {length}, mapped {mapped}: {(error is null ? "accepted" : error.GetType().Name)}");
    }
}
