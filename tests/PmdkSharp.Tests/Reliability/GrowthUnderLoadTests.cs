using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>Readers and writers on spans taken before any grow, while another thread keeps growing the mapping.</summary>
public class GrowthUnderLoadTests
{
    private const int Workers = 4;
    private const int Region = 1 << 20;
    private const int GrowsPerSecond = 1000; // caps how fast the sparse file (and its stamped pages) gets big

    private readonly ITestOutputHelper output;

    public GrowthUnderLoadTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Spans_taken_before_any_grow_stay_valid_while_tails_of_4_KiB_to_128_MiB_are_added(PmemBackendKind backend)
    {
        double seconds = ReliabilityRun.Long ? 30 : 5;
        using var test = new TestFile(backend);
        using var file = test.Open(test.Options(Region, 1L << 40) with { Preallocation = Preallocation.Sparse });
        nuint baseAddress = file.BaseAddress;
        using var stop = new CancellationTokenSource();
        using var ready = new CountdownEvent(Workers);
        long operations = 0;

        Task[] workers = new Task[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int me = w;
            workers[w] = Task.Factory.StartNew(() =>
            {
                const int Slice = Region / Workers;
                Span<byte> span = file.GetSpan((long)me * Slice, Slice); // taken before the first grow, used throughout
                var model = new byte[Slice];
                span.Clear();
                var random = new Random(me);
                ready.Signal();
                long done = 0;
                while (!stop.IsCancellationRequested)
                {
                    for (int i = 0; i < 256; i++)
                    {
                        int at = random.Next(Slice - 8);
                        if (random.Next(2) == 0)
                        {
                            long value = random.NextInt64();
                            BitConverter.TryWriteBytes(span[at..], value);
                            BitConverter.TryWriteBytes(model.AsSpan(at), value);
                        }
                        else if (span[at] != model[at])
                        {
                            throw new InvalidDataException($"worker {me}: byte {at} is {span[at]}, the model says {model[at]}");
                        }
                    }
                    done += 256;
                }
                Assert.True(span.SequenceEqual(model), $"worker {me}: slice differs from its model");
                Interlocked.Add(ref operations, done);
            }, TaskCreationOptions.LongRunning);
        }
        Assert.True(ready.Wait(TimeSpan.FromSeconds(30)));

        var growRandom = new Random(70);
        var stamps = new List<long>();
        int maxVmas = 0;
        long grows = 0, largestTail = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed.TotalSeconds < seconds || grows < 100) // a slow machine runs longer, never checks less
            {
                if (grows > clock.Elapsed.TotalSeconds * GrowsPerSecond)
                {
                    Thread.Sleep(1);
                    continue;
                }
                // Tails from 4 KiB to 128 MiB, log-uniform, mostly not page multiples.
                int shift = growRandom.Next(16);
                long tail = (4096L << shift) - (shift == 0 ? 0 : growRandom.Next(4096));
                long old = file.Length;
                if (old + tail > file.MaxLength)
                    break;
                file.Grow(old + tail);
                grows++;
                largestTail = Math.Max(largestTail, tail);
                Assert.Equal(baseAddress, file.BaseAddress);

                long at = (old + 7) & ~7L;
                file.Write(at, grows);
                stamps.Add(at);
                long check = stamps[growRandom.Next(stamps.Count)];
                Assert.Equal(stamps.BinarySearch(check) + 1, file.Read<long>(check));
                if (grows % 1000 == 0)
                    maxVmas = Math.Max(maxVmas, ProcMaps.CountVmas(baseAddress, baseAddress + (nuint)file.MaxLength));
            }
        }
        finally
        {
            stop.Cancel();
        }
        Task.WaitAll(workers); // rethrows a worker's mismatch

        maxVmas = Math.Max(maxVmas, ProcMaps.CountVmas(baseAddress, baseAddress + (nuint)file.MaxLength));
        Assert.InRange(maxVmas, 1, 3);
        for (int i = 0; i < stamps.Count; i++)
            Assert.Equal(i + 1, file.Read<long>(stamps[i]));
        Assert.Equal(file.Length, test.LengthOnDisk);
        Assert.True(grows >= 100, $"only {grows} grows");
        ReliabilityRun.Report(output, $"growth-under-load {backend} {test.Directory}",
            $"{clock.Elapsed.TotalSeconds:F1} s, grows {grows} (largest tail {largestTail >> 20} MiB), final length {file.Length >> 30} GiB sparse, " +
            $"worker operations {operations}, stamps checked {stamps.Count}, max VMAs {maxVmas}, base unchanged");
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_hundred_thousand_small_grows_keep_the_mapping_at_three_VMAs_at_most(PmemBackendKind backend)
    {
        const int Grows = 100_000;
        using var test = new TestFile(backend);
        using var file = test.Open(test.Options(4096, 4096L * (Grows + 1)) with { Preallocation = Preallocation.Sparse });
        nuint start = file.BaseAddress, end = start + (nuint)file.MaxLength;
        int maxVmas = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 2; i <= Grows + 1; i++)
        {
            file.Grow(4096L * i);
            if (i % 10_000 == 0)
            {
                file.Write(4096L * (i - 1), (long)i); // touch the newest page too
                maxVmas = Math.Max(maxVmas, ProcMaps.CountVmas(start, end));
            }
        }
        maxVmas = Math.Max(maxVmas, ProcMaps.CountVmas(start, end));
        Assert.InRange(maxVmas, 1, 3);
        int maxMapCount = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim());
        ReliabilityRun.Report(output, $"small-grows {backend}",
            $"grows {Grows} in {clock.Elapsed.TotalSeconds:F1} s, max VMAs for the mapping {maxVmas} (vm.max_map_count {maxMapCount})");
    }
}
