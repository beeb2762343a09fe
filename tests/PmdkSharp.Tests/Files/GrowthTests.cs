using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class GrowthTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Growing_keeps_the_base_address_and_earlier_spans_valid(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using var file = test.Create(10_000, 64 << 20);
        nuint baseAddress = file.BaseAddress;
        Span<byte> head = file.GetSpan(0, 10_000);
        Patterns.Bytes(10_000, seed: 10).CopyTo(head);

        long length = 10_000;
        for (int step = 0; step < 20; step++)
        {
            length += 1_000_003; // not page aligned on purpose: tails start mid-page
            file.Grow(length);
            Assert.Equal(baseAddress, file.BaseAddress);
            Assert.Equal(length, file.Length);
            head[step] ^= 0xFF; // the old span is still mapped and writable
            file.GetSpan(length - 1, 1)[0] = (byte)step;
        }
        file.Persist();

        byte[] expectedHead = Patterns.Bytes(10_000, seed: 10);
        for (int step = 0; step < 20; step++)
            expectedHead[step] ^= 0xFF;
        file.Dispose();
        byte[] contents = test.ReadAllBytes();
        Assert.Equal(length, contents.Length);
        Assert.Equal(expectedHead, contents[..10_000]);
        Assert.Equal(19, contents[^1]);
    }

    /// <summary>
    /// A file does not remember its growth limit: OpenExisting without one maps it fixed-size (Grow fails
    /// and says so), and with one it grows again from where it was, keeping its contents.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void OpenExisting_takes_the_growth_limit_again(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        using (var created = PmemFile.Open(path.Path, Patterns.Options(backend, 8192, 1 << 20)))
        {
            created.Grow(16384);
            created.Write(16384 - sizeof(long), 0x0123_4567_89AB_CDEFL);
            created.Persist();
        }

        using (var fixedSize = PmemFile.OpenExisting(path.Path))
        {
            Assert.Equal(16384, fixedSize.Length);
            Assert.Equal(16384, fixedSize.MaxLength);
            Assert.Throws<ArgumentOutOfRangeException>(() => fixedSize.Grow(32768));
        }

        using (var growable = PmemFile.OpenExisting(path.Path, maxLength: 1 << 20))
        {
            Assert.Equal(1 << 20, growable.MaxLength);
            growable.Grow(65536);
            Assert.Equal(65536, growable.Length);
            Assert.Equal(0x0123_4567_89AB_CDEFL, growable.Read<long>(16384 - sizeof(long)));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => PmemFile.OpenExisting(path.Path, maxLength: 4096));
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Many_small_grows_do_not_add_a_VMA_each(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using var file = test.Open(test.Options(4096, 64 << 20) with { Preallocation = Preallocation.Sparse });

        for (int i = 2; i <= 2000; i++)
            file.Grow(4096L * i);

        nuint start = file.BaseAddress;
        int vmas = ProcMaps.CountVmas(start, start + (nuint)file.MaxLength);
        // One file VMA plus the untouched rest of the reservation; never one per grow.
        Assert.InRange(vmas, 1, 3);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Readers_and_writers_keep_working_while_another_thread_grows(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        const int Region = 1 << 16;
        using var file = test.Open(test.Options(Region, 256 << 20) with { Preallocation = Preallocation.Sparse });
        nuint baseAddress = file.BaseAddress;
        using var stop = new CancellationTokenSource();
        int workers = 4;
        int slice = Region / workers;

        Task[] tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            int me = w;
            tasks[w] = Task.Run(() =>
            {
                // Each worker owns a slice of the first region, obtained before any grow, and checks it against its own model.
                var model = new byte[slice];
                var random = new Random(me);
                long operations = 0;
                while (!stop.IsCancellationRequested || operations < 1000)
                {
                    Span<byte> span = file.GetSpan((long)me * slice, slice);
                    int at = random.Next(slice);
                    byte value = (byte)random.Next(256);
                    span[at] = value;
                    model[at] = value;
                    int check = random.Next(slice);
                    Assert.Equal(model[check], span[check]);
                    operations++;
                }
                return operations;
            });
        }

        long length = Region;
        for (int grow = 0; grow < 1000; grow++)
        {
            length += 4096 * (1 + grow % 7);
            file.Grow(length);
            file.GetSpan(length - 1, 1)[0] = 0x5A;
            Assert.Equal(baseAddress, file.BaseAddress);
        }
        stop.Cancel();
        Task.WaitAll(tasks);

        Assert.Equal(length, file.Length);
        Assert.InRange(ProcMaps.CountVmas(baseAddress, baseAddress + (nuint)file.MaxLength), 1, 3);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Concurrent_grows_are_serialized(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        using var file = test.Create(4096, 64 << 20);

        int refused = 0;
        Parallel.For(0, 200, i =>
        {
            try
            {
                file.Grow(4096L * (2 + i));
            }
            catch (ArgumentOutOfRangeException)
            {
                Interlocked.Increment(ref refused); // another thread already grew further: growing never shrinks
            }
        });

        Assert.Equal(4096L * 201, file.Length);
        Assert.InRange(refused, 0, 199);
        Assert.InRange(ProcMaps.CountVmas(file.BaseAddress, file.BaseAddress + (nuint)file.MaxLength), 1, 3);
        Assert.Equal(4096L * 201, test.LengthOnDisk);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Out_of_space_while_growing_leaves_the_mapping_usable_at_its_old_length(PmemBackendKind backend)
    {
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(sizeMiB: 8);
        using var test = new TestFile(backend, tmpfs.Directory);
        byte[] data = Patterns.Bytes(1 << 20, seed: 11);
        using var file = test.Create(1 << 20, 64 << 20);
        file.CopyPersist(0, data);

        var error = Assert.Throws<PmemOutOfSpaceException>(() => file.Grow(32 << 20));

        Assert.Contains("No space", error.Message);
        Assert.Equal(1 << 20, file.Length);
        Assert.Equal(1 << 20, test.LengthOnDisk);
        Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
        file.Grow(2 << 20); // still growable within what fits
        file.GetSpan((2 << 20) - 1, 1)[0] = 1;
        file.Persist();
        Assert.Equal(2 << 20, test.LengthOnDisk);
    }
}
