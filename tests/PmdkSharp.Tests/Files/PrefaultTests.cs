using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class PrefaultTests
{
    private const int Length = 32 << 20;

    /// <summary>Faults of one pass over every page of [offset, offset + length): reads, or writes.</summary>
    private static long FaultsOfPass(PmemFile file, long offset, int length, bool write)
    {
        long before = ProcessMemory.MinorFaults();
        int sum = 0;
        if (write)
        {
            Span<byte> span = file.GetSpan(offset, length);
            for (int at = 0; at < length; at += 4096)
                span[at] = 1;
        }
        else
        {
            ReadOnlySpan<byte> span = file.GetReadOnlySpan(offset, length);
            for (int at = 0; at < length; at += 4096)
                sum += span[at];
        }
        long faults = ProcessMemory.MinorFaults() - before;
        Assert.Equal(0, sum);
        return faults;
    }

    /// <summary>Faults of the first pass over a file of <see cref="Length"/> bytes just opened with <paramref name="mode"/>.</summary>
    private static long FaultsOfFirstPassAtOpen(PmemBackendKind backend, string directory, PrefaultMode mode, long? maxLength, bool write) =>
        Fewest(mode, () =>
        {
            using var test = new TestFile(backend, directory);
            using var file = test.Open(test.Options(Length, maxLength) with { Prefault = mode });
            return FaultsOfPass(file, 0, Length, write);
        });

    /// <summary>
    /// A prefaulted pass measured up to five times, keeping the fewest faults: on a page-cache file
    /// system, writeback that runs between the prefault and the pass (ext4's journal commit writes
    /// ordered data back every few seconds) write-protects the pages it cleans, seen in the test VM
    /// as 2048-4095 of 8192 pages faulting again. That can only add faults; a prefault that does
    /// nothing faults on every attempt. A pass without prefault is measured once.
    /// </summary>
    private static long Fewest(PrefaultMode mode, Func<long> measure)
    {
        long fewest = measure();
        for (int attempt = 1; attempt < 5 && mode != PrefaultMode.None && fewest > 0; attempt++)
            fewest = Math.Min(fewest, measure());
        return fewest;
    }

    /// <summary>
    /// At open, fixed size (for PMDK: pmem_map_file, then madvise) and growable (MAP_POPULATE or
    /// madvise on the reservation): Populate removes the faults of the first read pass, PopulateWrite
    /// and Touch those of the first write pass, and None removes neither.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Every_prefault_mode_at_open_removes_the_faults_of_its_first_access(PmemBackendKind backend, string directory)
    {
        foreach (long? maxLength in new long?[] { null, 2L * Length })
        {
            long noneRead = FaultsOfFirstPassAtOpen(backend, directory, PrefaultMode.None, maxLength, write: false);
            long populate = FaultsOfFirstPassAtOpen(backend, directory, PrefaultMode.Populate, maxLength, write: false);
            long noneWrite = FaultsOfFirstPassAtOpen(backend, directory, PrefaultMode.None, maxLength, write: true);
            long populateWrite = FaultsOfFirstPassAtOpen(backend, directory, PrefaultMode.PopulateWrite, maxLength, write: true);
            long touch = FaultsOfFirstPassAtOpen(backend, directory, PrefaultMode.Touch, maxLength, write: true);
            string figures = $"{(maxLength is null ? "fixed" : "growable")}: read pass {noneRead} faults without prefault, {populate} after Populate; " +
                $"write pass {noneWrite} without, {populateWrite} after PopulateWrite, {touch} after Touch";

            if (TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory))
            {
                // DAX maps 2 MiB at a time: 16 faults for 32 MiB; prefault can only match that.
                Assert.True(populate <= noneRead && populateWrite <= noneWrite && touch <= noneWrite, $"DAX: {figures}");
                continue;
            }
            // 8192 pages: without prefault most writes fault (ext4's large folios map several per fault), reads fewer
            // (fault-around maps up to 16 cached pages per read fault: 512 at most); prefaulted, almost none do.
            Assert.True(noneRead > 100 && noneWrite > 1000, $"expected first-touch faults without prefault: {figures}");
            Assert.True(populate < noneRead / 10, figures);
            Assert.True(populateWrite < noneWrite / 10, figures);
            Assert.True(touch < noneWrite / 10, figures);
        }
    }

    /// <summary>p50 microseconds of one 4 KiB copy into each page of [0, length), in page order.</summary>
    private static double MedianPageWriteMicros(PmemFile file, int length)
    {
        ReadOnlySpan<byte> source = new byte[4096];
        var micros = new double[length / 4096];
        for (int page = 0; page < micros.Length; page++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            source.CopyTo(file.GetSpan((long)page * 4096, 4096));
            micros[page] = (System.Diagnostics.Stopwatch.GetTimestamp() - t0) * 1e6 / System.Diagnostics.Stopwatch.Frequency;
        }
        Array.Sort(micros);
        return micros[micros.Length / 2];
    }

    /// <summary>
    /// Touch makes each page's first user access at open: the first write into a page then costs what a
    /// later one does. Populating alone leaves no guest fault, but where the hypervisor shadows page tables
    /// (the PVM guest this suite runs in) the first user access still traps: 4.3-5.8 us p50 against 0.14 us.
    /// A median ratio, the best of up to five attempts (writeback between open and pass only adds cost).
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Touch_leaves_the_first_write_of_a_page_as_cheap_as_the_second(PmemBackendKind backend, string directory)
    {
        const int length = 8 << 20;
        double best = double.MaxValue;
        string figures = "";
        for (int attempt = 0; attempt < 5 && best > 3; attempt++)
        {
            using var test = new TestFile(backend, directory);
            using var file = test.Open(test.Options(length, null) with { Prefault = PrefaultMode.Touch });
            double first = MedianPageWriteMicros(file, length), second = MedianPageWriteMicros(file, length);
            if (first / second < best)
            {
                best = first / second;
                figures = $"first write per page p50 {first:F2} us, second {second:F2} us";
            }
        }
        Assert.True(best <= 3, $"{backend} {directory}: {figures}: the first write still pays for the page");
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Prefault_applies_to_grown_tails(PmemBackendKind backend, string directory)
    {
        long FaultsOfGrownTail(PrefaultMode mode, bool write) => Fewest(mode, () =>
        {
            using var test = new TestFile(backend, directory);
            using var file = test.Open(test.Options(4096, 2L * Length) with { Prefault = mode });
            file.Grow(Length);
            return FaultsOfPass(file, 4096, Length - 4096, write);
        });

        long noneRead = FaultsOfGrownTail(PrefaultMode.None, write: false);
        long populate = FaultsOfGrownTail(PrefaultMode.Populate, write: false);
        long noneWrite = FaultsOfGrownTail(PrefaultMode.None, write: true);
        long populateWrite = FaultsOfGrownTail(PrefaultMode.PopulateWrite, write: true);
        string figures = $"grown tail: read pass {noneRead} faults without prefault, {populate} after Populate; " +
            $"write pass {noneWrite} without, {populateWrite} after PopulateWrite";
        if (TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory))
        {
            Assert.True(populate <= noneRead && populateWrite <= noneWrite, $"DAX: {figures}");
            return;
        }
        Assert.True(noneRead > 100 && noneWrite > 1000, figures);
        Assert.True(populate < noneRead / 10, figures);
        Assert.True(populateWrite < noneWrite / 10, figures);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Huge_page_option_maps_at_2MiB_alignment(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using var file = test.Open(test.Options(8 << 20, 64 << 20) with { HugePages = true });
        file.GetSpan(0, 8 << 20).Fill(1);

        Assert.Equal(0u, file.BaseAddress % (2u << 20));
        Assert.NotNull(file.GetHugePageBytes());
    }

    /// <summary>
    /// On a tmpfs mounted huge=advise, shmem gives huge pages only where MADV_HUGEPAGE asked for
    /// them: the option must give PMD-mapped pages (smaps), at open and on a grown tail, fixed size
    /// and growable, and without it there must be none. Sparse, so that pages are allocated at the
    /// first touch, after the advice (fallocate at open allocates small pages before any mapping).
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Huge_page_option_gives_huge_mappings_where_the_file_system_only_gives_them_on_advice(PmemBackendKind backend)
    {
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(sizeMiB: 128, "huge=advise");
        const long Open = 8 << 20, Grown = 16 << 20;
        foreach (long? maxLength in new long?[] { null, 64 << 20 })
        {
            foreach (bool huge in new[] { false, true })
            {
                using var test = new TestFile(backend, tmpfs.Directory);
                using var file = test.Open(test.Options(Open, maxLength) with { HugePages = huge, Preallocation = Preallocation.Sparse });
                file.GetSpan(0, (int)Open).Fill(1);
                long atOpen = file.GetHugePageBytes() ?? -1;
                long afterGrow = -1;
                if (maxLength is not null)
                {
                    file.Grow(Grown);
                    file.GetSpan(Open, (int)(Grown - Open)).Fill(2);
                    afterGrow = (file.GetHugePageBytes() ?? -1) - atOpen;
                }
                string figures = $"{backend}, HugePages {huge}, {(maxLength is null ? "fixed" : "growable")}: {atOpen} huge-mapped bytes at open, {afterGrow} more after Grow";
                if (huge)
                {
                    Assert.True(atOpen >= Open / 2, figures);
                    if (maxLength is not null)
                        Assert.True(afterGrow >= (Grown - Open) / 2, figures);
                }
                else
                {
                    Assert.True(atOpen == 0, figures);
                    if (maxLength is not null)
                        Assert.True(afterGrow == 0, figures);
                }
            }
        }
    }
}
