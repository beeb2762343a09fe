using System;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>
/// Open, grow, write, persist and dispose (or abandon) mappings in a loop in a child process, so
/// nothing else in the process moves the counts: no mapped region, fd or resident memory may be left over.
/// </summary>
public class LeakTests
{
    private readonly ITestOutputHelper output;

    public LeakTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [InlineData(PmemBackendKind.Pmdk, "dispose")]
    [InlineData(PmemBackendKind.Managed, "dispose")]
    [InlineData(PmemBackendKind.Pmdk, "finalize")]
    [InlineData(PmemBackendKind.Managed, "finalize")]
    public void Open_grow_dispose_loops_leave_no_mappings_fds_or_memory(PmemBackendKind backend, string release)
    {
        TestEnvironment.Require(backend);
        string seconds = ReliabilityRun.Long ? "600" : "5";
        var run = ChildHost.Run(new[] { "leak-loop", TestEnvironment.Directories[0], backend.ToString(), seconds, "100000", release });
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        string[] r = ChildHost.ResultFields(run);
        // result, iterations, seconds, maps before/after, fds before/after, RSS before/after, VmSize before/after, VMAs of the loop's files
        long iterations = long.Parse(r[1]);
        int mapsBefore = int.Parse(r[3]), mapsAfter = int.Parse(r[4]), fdsBefore = int.Parse(r[5]), fdsAfter = int.Parse(r[6]);
        long rssBefore = long.Parse(r[7]), rssAfter = long.Parse(r[8]), vmBefore = long.Parse(r[9]), vmAfter = long.Parse(r[10]);
        string summary = $"{release}: iterations {iterations} in {r[2]} s, /proc/self/maps lines {mapsBefore} -> {mapsAfter}, fds {fdsBefore} -> {fdsAfter}, " +
            $"RSS {rssBefore >> 20} -> {rssAfter >> 20} MiB, VmSize {vmBefore >> 20} -> {vmAfter >> 20} MiB, file VMAs left {r[11]}";
        Assert.True(iterations >= 1000, summary); // the child runs at least this many however slow the machine; a leak per iteration shows long before
        Assert.True(r[11] == "0", summary);
        Assert.True(fdsAfter <= fdsBefore + 4, summary); // the runtime may open a descriptor or two lazily; one per iteration would be thousands
        // Each iteration maps 64 KiB-1 MiB: one leaked mapping or reservation per iteration would be gigabytes of VmSize
        // and a thousand lines of maps at least. The runtime's own lines grow a little as its GC commits parts of its
        // reservation (VmSize unchanged): up to 16 on .NET 10, 21-28 measured on .NET 8.
        Assert.True(mapsAfter <= mapsBefore + 64, summary);
        Assert.True(vmAfter <= vmBefore + (256L << 20), summary);
        Assert.True(rssAfter <= rssBefore + (32L << 20), summary);
        ReliabilityRun.Report(output, $"leaks {backend}", summary);
    }
}
