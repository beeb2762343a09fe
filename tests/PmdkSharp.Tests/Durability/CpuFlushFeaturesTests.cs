using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using PmdkSharp.FlushEngine;
using Xunit;

namespace PmdkSharp.Tests.Durability;

public class CpuFlushFeaturesTests
{
    [SkippableFact]
    public void Probe_agrees_with_the_kernels_cpu_flags()
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "CPUID exists on x86 only");
        string? flagsLine = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        Assert.NotNull(flagsLine);
        HashSet<string> flags = flagsLine![(flagsLine.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

        CpuFlushFeatures cpu = CpuFlushFeatures.Probe();

        Assert.Equal(flags.Contains("clwb"), cpu.Clwb);
        Assert.Equal(flags.Contains("clflushopt"), cpu.ClflushOpt);
        Assert.Equal(flags.Contains("clflush"), cpu.Clflush);
    }

    [Theory]
    [InlineData(true, true, true, "", "Clwb")]
    [InlineData(true, true, true, "PMEM_NO_CLWB=1", "ClflushOpt")]
    [InlineData(true, true, true, "PMEM_NO_CLWB=1 PMEM_NO_CLFLUSHOPT=1", "Clflush")]
    [InlineData(true, true, true, "PMEM_NO_CLFLUSHOPT=1", "Clwb")]
    [InlineData(true, true, true, "PMEM_NO_CLWB=yes", "Clwb")] // libpmem compares with "1" exactly
    [InlineData(true, true, true, "PMEM_NO_CLWB=0", "Clwb")]
    [InlineData(true, true, false, "", "ClflushOpt")]
    [InlineData(true, false, true, "", "Clwb")]
    [InlineData(true, false, false, "PMEM_NO_CLWB=1 PMEM_NO_CLFLUSHOPT=1", "Clflush")]
    [InlineData(false, false, false, "", "None")]
    public void Choice_follows_libpmems_order_and_environment(bool clflush, bool clflushOpt, bool clwb, string environment, string expected)
    {
        FlushSettings settings = FlushSettings.From(Variables(environment));
        (FlushInstruction chosen, string why) = settings.Choose(new CpuFlushFeatures(clflush, clflushOpt, clwb));
        Assert.Equal(expected, chosen.ToString());
        if (environment.Contains("NO_CLWB=1", StringComparison.Ordinal) && clwb)
            Assert.Contains("PMEM_NO_CLWB=1", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 256)]
    [InlineData("512", 512)]
    [InlineData("0", 0)]
    [InlineData("64kb", 64)]      // atoll stops at the first non-digit
    [InlineData("  128", 128)]
    [InlineData("junk", 0)]       // atoll("junk") is 0, which libpmem accepts
    [InlineData("-5", 256)]       // negative: ignored, default kept
    [InlineData("99999999999999999999999", ulong.MaxValue)]
    public void Movnt_threshold_is_read_like_atoll(string? text, ulong expected) =>
        Assert.Equal((nuint)Math.Min(expected, (ulong)nuint.MaxValue), FlushSettings.ParseThreshold(text));

    [Fact]
    public void No_movnt_needs_exactly_one()
    {
        Assert.True(FlushSettings.From(Variables("PMEM_NO_MOVNT=1")).NoMovnt);
        Assert.False(FlushSettings.From(Variables("PMEM_NO_MOVNT=true")).NoMovnt);
        Assert.Equal(FlushSettings.Default, FlushSettings.From(Variables("")));
    }

    private static Func<string, string?> Variables(string assignments)
    {
        Dictionary<string, string> values = assignments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return name => values.GetValueOrDefault(name);
    }
}
