using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class PrefaultTests
{
    private const int Length = 32 << 20;

    /// <summary>Minor page faults of the calling thread so far (field 10 of /proc/thread-self/stat): other tests running in parallel don't count.</summary>
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7]);
    }

    private static long FaultsOfWritePass(PmemBackendKind backend, string directory, PrefaultMode mode, long? maxLength)
    {
        using var path = new TempPath(directory);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, Length, maxLength) with { Prefault = mode });
        Span<byte> span = file.GetSpan(0, Length);
        long before = MinorFaults();
        for (int offset = 0; offset < Length; offset += 4096)
            span[offset] = 1;
        return MinorFaults() - before;
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Write_prefault_removes_the_page_faults_of_the_first_write_pass(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        foreach (long? maxLength in new long?[] { null, 2L * Length })
        {
            long none = FaultsOfWritePass(backend, directory, PrefaultMode.None, maxLength);
            long populateWrite = FaultsOfWritePass(backend, directory, PrefaultMode.PopulateWrite, maxLength);
            long touch = FaultsOfWritePass(backend, directory, PrefaultMode.Touch, maxLength);

            if (TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory))
            {
                // DAX maps 2 MiB at a time: 16 faults for 32 MiB; prefault can only match that.
                Assert.True(populateWrite <= none && touch <= none, $"DAX: {populateWrite}/{touch} prefaulted vs {none} without");
                continue;
            }
            // 8192 pages: without prefault most fault (ext4's large folios map several per fault); prefaulted, almost none do.
            Assert.True(none > 1000, $"expected first-touch faults without prefault, saw {none}");
            Assert.True(populateWrite < none / 10, $"PopulateWrite: {populateWrite} faults vs {none} without (max {maxLength})");
            Assert.True(touch < none / 10, $"Touch: {touch} faults vs {none} without (max {maxLength})");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Populate_removes_read_faults_and_prefault_applies_to_grown_tails(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, 2L * Length) with { Prefault = PrefaultMode.Populate });
        file.Grow(Length);
        ReadOnlySpan<byte> span = file.GetReadOnlySpan(0, Length);

        long before = MinorFaults();
        int sum = 0;
        for (int offset = 0; offset < Length; offset += 4096)
            sum += span[offset];
        long faults = MinorFaults() - before;

        Assert.Equal(0, sum);
        Assert.True(faults < 800, $"{faults} read faults after MAP_POPULATE on the grown tail");
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Huge_page_option_maps_at_2MiB_alignment(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 8 << 20, 64 << 20) with { HugePages = true });
        file.GetSpan(0, 8 << 20).Fill(1);

        Assert.Equal(0u, file.BaseAddress % (2u << 20));
        Assert.NotNull(file.GetHugePageBytes()); // whether the kernel gave huge pages depends on the file system (shmem huge= setting)
    }
}
