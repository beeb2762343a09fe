using System;
using System.Collections.Generic;
using System.Linq;
using PmdkSharp.FlushEngine;
using Xunit;

namespace PmdkSharp.Tests.Durability;

public class CacheLinesTests
{
    /// <summary>The line list the flush loop is checked against, checked itself against "the line of every byte".</summary>
    [Fact]
    public void Covering_lists_the_line_of_every_byte_once_in_order()
    {
        for (nuint start = 0x1000; start < 0x1000 + 70; start++)
            for (nuint length = 0; length <= 150; length++)
            {
                var byByte = new SortedSet<nuint>();
                for (nuint b = start; b < start + length; b++)
                    byByte.Add(b / 64 * 64);
                List<nuint> lines = CacheLines.Covering(start, length).ToList();
                Assert.Equal(byByte.ToList(), lines);
                Assert.Equal((nuint)lines.Count, CacheLines.Count(start, length));
            }
    }
}
