using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.Tests.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Files;

/// <summary>Advise, Prefetch, Discard and Lock reach the kernel, for the range asked and nowhere else.</summary>
public class RangeControlTests
{
    private static readonly long Page = ProcessMemory.PageSize;

    private readonly ITestOutputHelper output;

    public RangeControlTests(ITestOutputHelper output) => this.output = output;

    // ---- Discard ----

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Discard_gives_the_blocks_back_and_reads_zeros_after_reopening(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        const int length = 8 << 20;
        byte[] pattern = Patterns.Bytes(length, seed: 151);
        long offset = (1 << 20) + 100, count = 4 << 20;
        foreach (long? maxLength in new long?[] { null, 2L * length })
        {
            using var path = new TempPath(directory);
            using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, length, maxLength)))
            {
                file.CopyPersist(0, pattern);
                long before = ProcessMemory.FileBlocks(path.Path);
                long punched = file.Discard(offset, count);
                long after = ProcessMemory.FileBlocks(path.Path);

                Assert.Equal(count - Page, punched); // the whole pages: 1 MiB + 4 KiB up to 5 MiB; the two partial pages are zeroed in place
                // st_blocks counts 512-byte units; allow a few blocks of extent-tree bookkeeping. On DAX, ext4
                // allocates in 2 MiB extents and frees only the ones the hole covers whole: fewer, but some.
                if (TestEnvironment.IsDax(directory))
                    Assert.True(after < before, $"st_blocks {before} -> {after} after punching {punched} bytes on DAX (max {maxLength})");
                else
                    Assert.True(after <= before - punched / 512 + 64, $"st_blocks {before} -> {after} after punching {punched} bytes (max {maxLength})");
                AssertDiscarded(file.GetReadOnlySpan(0, length), pattern, offset, count);
            }
            using (var reopened = PmemFile.OpenExisting(path.Path, readOnly: true))
            {
                Assert.Equal(length, reopened.Length);
                AssertDiscarded(reopened.GetReadOnlySpan(0, length), pattern, offset, count);
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Discard_zeroes_partial_pages_in_place_and_punches_only_whole_ones(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int length = (int)(3 * Page + 500); // the last page is partial too
        byte[] pattern = Patterns.Bytes(length, seed: 152);
        byte[] expected = (byte[])pattern.Clone();
        using var path = new TempPath(directory);
        using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, length)))
        {
            file.CopyPersist(0, pattern);
            long before = ProcessMemory.FileBlocks(path.Path);
            foreach ((long offset, long count) in new[] { (Page + 10, 100L), (Page - 50, 100L), (length - 300, 300L) })
            {
                Assert.Equal(0, file.Discard(offset, count)); // inside a page, across a page boundary, up to the unaligned end
                Array.Clear(expected, (int)offset, (int)count);
            }
            Assert.Equal(before, ProcessMemory.FileBlocks(path.Path));
            Assert.True(file.GetReadOnlySpan(0, length).SequenceEqual(expected));

            // Pages 1 and 2 are whole; the 500 bytes of the last page are zeroed in place.
            Assert.Equal(2 * Page, file.Discard(Page, length - Page));
            Array.Clear(expected, (int)Page, (int)(length - Page));
            Assert.True(file.GetReadOnlySpan(0, length).SequenceEqual(expected));
        }
        using var reopened = PmemFile.OpenExisting(path.Path, readOnly: true);
        Assert.True(reopened.GetReadOnlySpan(0, length).SequenceEqual(expected));
    }

    private static void AssertDiscarded(ReadOnlySpan<byte> content, byte[] pattern, long offset, long count)
    {
        int start = (int)offset, end = (int)(offset + count);
        Assert.True(content[..start].SequenceEqual(pattern.AsSpan(0, start)), "bytes before the discarded range changed");
        int nonZero = content[start..end].IndexOfAnyExcept((byte)0);
        Assert.True(nonZero < 0, $"byte {start + nonZero} of the discarded range is not zero");
        Assert.True(content[end..].SequenceEqual(pattern.AsSpan(end)), "bytes after the discarded range changed");
    }

    // ---- Prefetch ----

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Prefetch_removes_the_faults_of_the_range_and_leaves_the_rest_cold(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        const int length = 32 << 20, half = length / 2;
        bool dax = TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory);
        foreach (long? maxLength in new long?[] { null, 2L * length })
            foreach (FileAccess access in new[] { FileAccess.Read, FileAccess.Write })
            {
                using var path = new TempPath(directory);
                using var file = PmemFile.Open(path.Path, Patterns.Options(backend, length, maxLength));
                file.Prefetch(0, half, access);
                long mapped = ProcessMemory.SmapsBytes(file.BaseAddress, file.BaseAddress + (nuint)file.MaxLength, "Rss");
                long prefetched = Pass(file, 0, half, access);
                long cold = Pass(file, half, half, access);
                output.WriteLine($"{access} (max {maxLength}): {prefetched} faults on the prefetched half, {cold} on the other; Rss after prefetch {mapped >> 10} KiB");

                if (dax)
                {
                    // DAX maps 2 MiB per fault: a few faults either way.
                    Assert.True(prefetched <= cold, $"DAX: {prefetched} faults prefetched vs {cold} cold");
                    continue;
                }
                // tmpfs faults once per page; ext4 maps a folio or a fault-around window per fault: 160 faults for 4096 pages here.
                Assert.True(cold > 50, $"expected the unprefetched half to fault, saw {cold}");
                Assert.True(prefetched < cold / 10, $"{prefetched} faults on the prefetched half vs {cold} on the cold one");
                Assert.True(mapped < half + (4 << 20), $"prefetching {half >> 20} MiB mapped {mapped >> 10} KiB: it reached past the range");
            }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Prefetching_scattered_ranges_in_one_call_maps_each_of_them_and_checks_them_all_first(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        const int length = 32 << 20;
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var path = new TempPath(directory);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, length));
        // Pages 64 KiB apart at least, so that one range's fault-around cannot map another.
        PmemRange[] ranges = Enumerable.Range(0, 64)
            .Select(i => new PmemRange(i * (length / 64L) + random.Next(0, 8) * Page, Page)).ToArray();

        var bad = ranges.Append(new PmemRange(length - Page, Page + 1)).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => file.Prefetch(bad, FileAccess.Read));
        long mappedAfterRefusal = ProcessMemory.SmapsBytes(file.BaseAddress, file.BaseAddress + (nuint)length, "Rss");

        file.Prefetch(ranges, FileAccess.Read);
        long before = ProcessMemory.MinorFaults();
        int sum = 0;
        foreach (PmemRange range in ranges)
            sum += file.GetReadOnlySpan(range.Offset, 1)[0];
        long faults = ProcessMemory.MinorFaults() - before;

        Assert.Equal(0, sum);
        Assert.True(mappedAfterRefusal < 16 * Page, $"a refused batch mapped {mappedAfterRefusal >> 10} KiB (64 pages would be 256 KiB or more)");
        if (!(TestEnvironment.DaxDirectories.Length > 0 && TestEnvironment.ExpectPmem(directory)))
            Assert.True(faults < 4, $"{faults} faults reading 64 prefetched pages");
    }

    /// <summary>Touches every page of the range (a read or a write of one byte); returns this thread's minor faults.</summary>
    private static long Pass(PmemFile file, long offset, int length, FileAccess access)
    {
        long before = ProcessMemory.MinorFaults();
        if (access == FileAccess.Read)
        {
            ReadOnlySpan<byte> span = file.GetReadOnlySpan(offset, length);
            int sum = 0;
            for (int i = 0; i < length; i += (int)Page)
                sum += span[i];
            Assert.Equal(0, sum);
        }
        else
        {
            Span<byte> span = file.GetSpan(offset, length);
            for (int i = 0; i < length; i += (int)Page)
                span[i] = 1;
        }
        return ProcessMemory.MinorFaults() - before;
    }

    // ---- Advise ----

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Random_and_sequential_advice_reach_the_kernel_for_the_range_only(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        const int length = 8 << 20, mib = 1 << 20;
        foreach (long? maxLength in new long?[] { null, 2L * length })
        {
            using var path = new TempPath(directory);
            using var file = PmemFile.Open(path.Path, Patterns.Options(backend, length, maxLength));
            nuint at(long offset) => file.BaseAddress + (nuint)offset;

            file.Advise(2 * mib, mib, MemoryAdvice.Random);
            file.Advise(4 * mib, mib, MemoryAdvice.Sequential);
            // smaps VmFlags: rr = VM_RAND_READ, sr = VM_SEQ_READ.
            Assert.Contains("rr", ProcessMemory.VmFlags(at(2 * mib)));
            Assert.Contains("sr", ProcessMemory.VmFlags(at(4 * mib)));
            foreach (long outside in new long[] { 0, 3 * mib, 5 * mib })
            {
                Assert.DoesNotContain("rr", ProcessMemory.VmFlags(at(outside)));
                Assert.DoesNotContain("sr", ProcessMemory.VmFlags(at(outside)));
            }

            file.Advise(0, length, MemoryAdvice.Normal);
            Assert.DoesNotContain("rr", ProcessMemory.VmFlags(at(2 * mib)));
            Assert.DoesNotContain("sr", ProcessMemory.VmFlags(at(4 * mib)));

            // An unaligned range covers its whole pages, and only those.
            file.Advise(Page + 1, 1, MemoryAdvice.Random);
            Assert.Contains("rr", ProcessMemory.VmFlags(at(Page)));
            Assert.DoesNotContain("rr", ProcessMemory.VmFlags(at(0)));
            Assert.DoesNotContain("rr", ProcessMemory.VmFlags(at(2 * Page)));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Dont_need_unmaps_the_range_without_losing_data_and_will_need_reads_it_ahead(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        const int length = 8 << 20, half = length / 2;
        byte[] pattern = Patterns.Bytes(length, seed: 153);
        using var path = new TempPath(directory);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, length));
        file.CopyPersist(0, pattern);
        nuint start = file.BaseAddress, end = file.BaseAddress + (nuint)length;

        long mapped = ProcessMemory.SmapsBytes(start, end, "Rss");
        file.Advise(0, length, MemoryAdvice.DontNeed);
        long dropped = ProcessMemory.SmapsBytes(start, end, "Rss");
        if (!TestEnvironment.IsDax(directory)) // DAX pages are not page-cache pages: Rss does not count them
        {
            Assert.True(mapped >= half, $"only {mapped >> 10} KiB mapped after writing {length >> 10} KiB");
            Assert.True(dropped < 1 << 20, $"{dropped >> 10} KiB still mapped after MADV_DONTNEED");
        }
        Assert.True(file.GetReadOnlySpan(0, length).SequenceEqual(pattern), "MADV_DONTNEED lost data of the shared file mapping");

        // The page cache part: tmpfs pages cannot be evicted, and DAX has no page cache.
        string type = ProcessMemory.FileSystemType(directory);
        if (type == "tmpfs" || TestEnvironment.ExpectPmem(directory) && TestEnvironment.DaxDirectories.Length > 0)
        {
            output.WriteLine($"{type}: residency not checked (no evictable page cache)");
            return;
        }
        file.Advise(0, length, MemoryAdvice.DontNeed);
        EvictFromPageCache(path.Path);
        int pages = (int)(length / Page);
        int evicted = ProcessMemory.ResidentPages(start, length);
        Assert.True(evicted < pages / 10, $"{evicted} of {pages} pages still cached after eviction");

        file.Advise(0, half, MemoryAdvice.WillNeed);
        int ahead = 0;
        for (int wait = 0; wait < 100 && (ahead = ProcessMemory.ResidentPages(start, half)) < pages / 2; wait++)
            Thread.Sleep(100); // read-ahead runs in the background
        int rest = ProcessMemory.ResidentPages(start + (nuint)half, half);
        output.WriteLine($"{type}: {evicted} pages cached after eviction, {ahead} of the will-need half after it, {rest} of the other half");
        // The whole half here; a small VM's read-ahead window brings fewer, but far more than the other half.
        Assert.True(ahead > rest + pages / 64, $"will-need read {ahead} pages of its half and {rest} of the other");
        Assert.True(rest < pages / 4, $"{rest} pages of the other half were read too");
        Assert.True(file.GetReadOnlySpan(0, length).SequenceEqual(pattern));
    }

    /// <summary>fsync (so every page is clean), then POSIX_FADV_DONTNEED: the file's unmapped pages leave the page cache.</summary>
    private static void EvictFromPageCache(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
        int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        Assert.Equal(0, Libc.posix_fadvise(fd, 0, 0, Libc.POSIX_FADV_DONTNEED));
    }

    // ---- Lock ----

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Lock_shows_in_smaps_for_the_range_and_unlock_clears_it(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        // The kernel never sets VM_LOCKED on a DAX mapping (VM_MIXEDMAP): there is no page cache to keep resident.
        Skip.If(TestEnvironment.IsDax(directory), "mlock leaves DAX mappings unlocked: nothing of theirs can be evicted");
        const int length = 4 << 20, mib = 1 << 20;
        using var path = new TempPath(directory);
        PmemFile.Open(path.Path, Patterns.Options(backend, length)).Dispose();
        foreach (bool readOnly in new[] { false, true })
        {
            using var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = readOnly });
            nuint at(long offset) => file.BaseAddress + (nuint)offset;
            try
            {
                file.Lock(mib, 2 * mib);
            }
            catch (PmemLockLimitException e) when (!TestEnvironment.IsRoot)
            {
                Skip.If(true, $"this process may not lock 2 MiB: {e.Message}"); // the refusal itself is tested under prlimit below
            }

            // smaps: VmFlags lo = VM_LOCKED; Locked: the bytes of locked VMAs that are resident.
            Assert.Contains("lo", ProcessMemory.VmFlags(at(mib)));
            Assert.DoesNotContain("lo", ProcessMemory.VmFlags(at(0)));
            Assert.DoesNotContain("lo", ProcessMemory.VmFlags(at(3 * mib)));
            long locked = ProcessMemory.SmapsBytes(at(0), at(length), "Locked");
            Assert.True(locked >= 2 * mib, $"smaps Locked: {locked} bytes after locking 2 MiB (read-only {readOnly})");

            var refused = Assert.Throws<IOException>(() => file.Advise(mib, Page, MemoryAdvice.DontNeed));
            Assert.Contains("Unlock the range first", refused.Message);

            file.Unlock(mib, 2 * mib);
            Assert.Equal(0, ProcessMemory.SmapsBytes(at(0), at(length), "Locked"));
            Assert.DoesNotContain("lo", ProcessMemory.VmFlags(at(mib)));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Lock_past_RLIMIT_MEMLOCK_names_the_limit_and_its_value(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        Skip.IfNot(File.Exists("/usr/bin/prlimit") && File.Exists("/usr/bin/setpriv"), "prlimit and setpriv (util-linux) are not installed");
        const long limit = 1 << 20, request = 8 << 20;
        var launcher = new List<string> { "prlimit", $"--memlock={limit}:{limit}", "--" };
        if (TestEnvironment.IsRoot) // CAP_IPC_LOCK ignores the limit: the child runs without it
            launcher.InsertRange(0, ["setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"]);
        using var path = new TempPath(TestEnvironment.Directories[0]);

        TestHostProcess.Result result = TestHostProcess.Run(new Dictionary<string, string?>(),
            ["lock", path.Path, request.ToString(CultureInfo.InvariantCulture), backend.ToString()], launcher: launcher.ToArray());

        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 4, result.ToString()); // the host's "failed" exit code, with the exception as JSON
        JsonElement json = result.Json;
        Assert.Equal(typeof(PmemLockLimitException).FullName, json.GetProperty("Exception").GetString());
        string message = json.GetProperty("Message").GetString()!;
        Assert.Contains($"RLIMIT_MEMLOCK (soft) is {limit} bytes", message);
        Assert.Contains($"mlock of {request} bytes", message);
    }

    // ---- Bad input, read-only, dispose ----

    private static readonly string[] Operations = ["Advise", "PrefetchRead", "PrefetchWrite", "PrefetchBatch", "Discard", "Lock", "Unlock"];

    private static void Call(PmemFile file, string operation, long offset, long length)
    {
        switch (operation)
        {
            case "Advise": file.Advise(offset, length, MemoryAdvice.WillNeed); break;
            case "PrefetchRead": file.Prefetch(offset, length); break;
            case "PrefetchWrite": file.Prefetch(offset, length, FileAccess.Write); break;
            case "PrefetchBatch": file.Prefetch([new PmemRange(0, 1), new PmemRange(offset, length)], FileAccess.Read); break;
            case "Discard": file.Discard(offset, length); break;
            case "Lock": file.Lock(offset, length); break;
            case "Unlock": file.Unlock(offset, length); break;
            default: throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Every_operation_checks_its_range_and_throws_after_dispose(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        long length = 3 * Page + 500;
        foreach (string operation in Operations)
        {
            using var path = new TempPath(TestEnvironment.Directories[0]);
            var file = PmemFile.Open(path.Path, Patterns.Options(backend, length));
            // Accepted: the range ending exactly at Length, all of it, empty ranges at both ends.
            Call(file, operation, length - 100, 100);
            Call(file, operation, 0, length);
            Call(file, operation, length, 0);
            Call(file, operation, 0, 0);
            foreach ((long offset, long count) in new[]
                     { (length - 100, 101L), (0, length + 1), (length + 1, 0), (-1, 1), (0, -1), (long.MaxValue, 1), (1, long.MaxValue) })
            {
                var e = Assert.Throws<ArgumentOutOfRangeException>(() => Call(file, operation, offset, count));
                output.WriteLine($"{operation}({offset}, {count}): {e.Message}");
            }
            file.Dispose();
            Assert.Throws<ObjectDisposedException>(() => Call(file, operation, 0, 1));
            Assert.Throws<ObjectDisposedException>(() => Call(file, operation, 0, 0));
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Read_only_mappings_accept_advice_read_prefetch_and_locks_but_not_discard_or_write_prefetch(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        long length = 3 * Page + 500;
        byte[] pattern = Patterns.Bytes((int)length, seed: 154);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using (var writable = PmemFile.Open(path.Path, Patterns.Options(backend, length)))
        {
            writable.CopyPersist(0, pattern);
            Assert.Throws<ArgumentOutOfRangeException>(() => writable.Advise(0, 1, (MemoryAdvice)42));
            Assert.Throws<ArgumentOutOfRangeException>(() => writable.Prefetch(0, 1, (FileAccess)0));
        }
        using var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true });

        Assert.Throws<NotSupportedException>(() => file.Discard(0, Page));
        Assert.Throws<NotSupportedException>(() => file.Prefetch(0, Page, FileAccess.Write));
        Assert.Throws<NotSupportedException>(() => file.Prefetch(0, Page, FileAccess.ReadWrite));
        foreach (MemoryAdvice advice in Enum.GetValues<MemoryAdvice>())
            file.Advise(0, length, advice);
        file.Prefetch(0, length);
        file.Lock(0, length);
        file.Unlock(0, length);
        Assert.True(file.GetReadOnlySpan(0, (int)length).SequenceEqual(pattern));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_dispose_racing_every_operation_gives_ObjectDisposedException_never_a_crash(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 10; round++)
        {
            using var path = new TempPath(TestEnvironment.Directories[0]);
            var file = PmemFile.Open(path.Path, Patterns.Options(backend, 1 << 20));
            using var start = new Barrier(Operations.Length + 1);
            var failures = new List<Exception>();
            var threads = Operations.Select(operation => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    for (long i = 0; ; i++)
                        Call(file, operation, i % 16 * 4096, 16 << 10);
                }
                catch (ObjectDisposedException)
                {
                    // The one expected ending.
                }
                catch (Exception e)
                {
                    lock (failures)
                        failures.Add(e);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            start.SignalAndWait();
            Thread.Sleep(random.Next(0, 20));
            file.Dispose();
            threads.ForEach(t => t.Join());
            Assert.Empty(failures);
        }
    }
}
