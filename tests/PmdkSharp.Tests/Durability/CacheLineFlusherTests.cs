using System;
using System.Collections.Generic;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using System.Runtime.InteropServices;
using PmdkSharp.FlushEngine;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// What the flusher writes and which lines it flushes. The recording flusher runs the production
/// copy and fill code over the recording variant of the emitted loop, so the flushed lines and
/// the fence are observed, not assumed; the real flusher (this CPU's instruction, non-temporal
/// stores) checks the bytes on heap memory and on a file mapping in /dev/shm.
/// </summary>
public class CacheLineFlusherTests(ITestOutputHelper output)
{
    private const ulong Fence = FlushCodeEmitter.FenceMarker;

    /// <summary>Thresholds to cover: libpmem's default, one below a line, and streaming turned off.</summary>
    public static TheoryData<bool, int> StreamingSettings => new()
    {
        { true, FlushSettings.DefaultMovntThreshold },
        { true, 0 },
        { true, 100 },
        { false, FlushSettings.DefaultMovntThreshold },
    };

    [Theory]
    [MemberData(nameof(StreamingSettings))]
    public unsafe void Copies_and_fills_flush_what_they_write_with_ordinary_stores_then_fence_once(bool nonTemporal, int threshold)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var recorder = new RecordingFlusher(nonTemporal, (nuint)threshold);
        using var memory = new AlignedBuffer(4096);
        byte[] source = new byte[2048];
        random.NextBytes(source);
        fixed (byte* src = source)
            foreach ((int offset, int length) in Cases(random))
            {
                byte* destination = memory.Pointer + offset;
                bool streams = nonTemporal && length >= threshold && length > 0;
                List<ulong> expected = ExpectedFlushes((nuint)destination, (nuint)length, streams);

                recorder.Flusher.CopyPersist(destination, src + offset % 7, (nuint)length);
                Assert.Equal(expected.Append(Fence), recorder.Take());
                recorder.Flusher.CopyNoDrain(destination, src, (nuint)length);
                Assert.Equal(expected, recorder.Take());
                recorder.Flusher.FillPersist(destination, 0x3C, (nuint)length);
                Assert.Equal(expected.Append(Fence), recorder.Take());
                recorder.Flusher.FillNoDrain(destination, 0x3C, (nuint)length);
                Assert.Equal(expected, recorder.Take());
            }
    }

    [Fact]
    public unsafe void Long_aligned_copy_streams_every_line_and_only_fences()
    {
        using var recorder = new RecordingFlusher();
        using var memory = new AlignedBuffer(2048);
        using var source = new AlignedBuffer(2048);
        recorder.Flusher.CopyPersist(memory.Pointer, source.Pointer, 1024);
        Assert.Equal(new[] { Fence }, recorder.Take());
    }

    [Fact]
    public unsafe void Overlapping_copy_moves_like_memmove_and_flushes_every_line()
    {
        using var recorder = new RecordingFlusher();
        using var memory = new AlignedBuffer(2048);
        for (int i = 0; i < 2048; i++)
            memory.Pointer[i] = (byte)i;
        byte[] expected = new ReadOnlySpan<byte>(memory.Pointer, 1000).ToArray();
        recorder.Flusher.CopyPersist(memory.Pointer + 10, memory.Pointer, 1000);
        Assert.Equal(expected, new ReadOnlySpan<byte>(memory.Pointer + 10, 1000).ToArray());
        Assert.Equal(ExpectedFlushes((nuint)(memory.Pointer + 10), 1000, streams: false).Append(Fence), recorder.Take());
    }

    [SkippableTheory]
    [MemberData(nameof(StreamingSettings))]
    public unsafe void Copies_and_fills_write_exactly_their_bytes_on_the_heap(bool nonTemporal, int threshold)
    {
        CacheLineFlusher flusher = RealFlusher(nonTemporal, threshold, out bool dispose);
        try
        {
            using var memory = new AlignedBuffer(4096);
            CheckBytes(flusher, memory.Pointer, 4096);
        }
        finally
        {
            if (dispose)
                flusher.Dispose();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(StreamingSettings))]
    public unsafe void Copies_and_fills_write_exactly_their_bytes_into_a_file_mapping(bool nonTemporal, int threshold)
    {
        CacheLineFlusher flusher = RealFlusher(nonTemporal, threshold, out bool dispose);
        using var path = new TempPath("/dev/shm");
        try
        {
            using var file = MemoryMappedFile.CreateFromFile(path.Path, FileMode.CreateNew, null, 8192);
            using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, 8192);
            byte* mapped = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref mapped);
            try
            {
                CheckBytes(flusher, mapped + view.PointerOffset, 8192);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        finally
        {
            if (dispose)
                flusher.Dispose();
        }
    }

    /// <summary>
    /// Every length 0..1 KiB at random offsets (both sides of the 256 B threshold, unaligned heads
    /// and tails): the destination holds exactly the source (or the fill value), and the bytes
    /// on either side are untouched.
    /// </summary>
    private unsafe void CheckBytes(CacheLineFlusher flusher, byte* memory, int size)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        byte[] source = new byte[1100];
        byte[] model = new byte[size];
        var target = new Span<byte>(memory, size);
        random.NextBytes(model);
        model.CopyTo(target);
        fixed (byte* src = source)
            for (int length = 0; length <= 1024; length++)
            {
                int offset = random.Next(0, size - length);
                if (random.Next(2) == 0)
                {
                    random.NextBytes(source);
                    int from = random.Next(0, source.Length - length);
                    flusher.CopyPersist(memory + offset, src + from, (nuint)length);
                    source.AsSpan(from, length).CopyTo(model.AsSpan(offset));
                }
                else
                {
                    byte value = (byte)random.Next(256);
                    flusher.FillPersist(memory + offset, value, (nuint)length);
                    model.AsSpan(offset, length).Fill(value);
                }
                if (!target.SequenceEqual(model))
                    Assert.Fail($"length {length} at offset {offset}: first wrong byte at {target.ToArray().Zip(model).TakeWhile(p => p.First == p.Second).Count()}");
            }
    }

    // The real instruction and streaming stores, with the test's settings.
    private static CacheLineFlusher RealFlusher(bool nonTemporal, int threshold, out bool dispose)
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "x86-64 only");
        var support = CacheLineFlushSupport.Create(Architecture.X64, CpuFlushFeatures.Probe(),
            FlushSettings.Default with { NoMovnt = !nonTemporal, MovntThreshold = (nuint)threshold }, default);
        Assert.True(support.IsAvailable, support.Reason);
        dispose = true;
        return support.Flusher!;
    }

    /// <summary>
    /// libpmem's rule: ordinary stores leave lines in the cache and must be flushed; streamed
    /// whole lines must not be. So a streamed range flushes exactly the lines it covers only in
    /// part (its unaligned head and tail); anything else flushes every line it covers.
    /// </summary>
    private static List<ulong> ExpectedFlushes(nuint address, nuint length, bool streams) =>
        CacheLines.Covering(address, length)
            .Where(line => !streams || line < address || line + CacheLines.Size > address + length)
            .Select(line => (ulong)line).ToList();

    private static IEnumerable<(int Offset, int Length)> Cases(Random random)
    {
        foreach (int offset in new[] { 0, 1, 31, 32, 63, 64, 65 })
            foreach (int length in new[] { 0, 1, 63, 64, 65, 99, 100, 128, 255, 256, 257, 320, 1000, 1024 })
                yield return (offset, length);
        for (int i = 0; i < 300; i++)
            yield return (random.Next(0, 1024), random.Next(0, 1025));
    }

    private sealed unsafe class AlignedBuffer(int size) : IDisposable
    {
        public byte* Pointer { get; } = (byte*)NativeMemory.AlignedAlloc((nuint)size, CacheLines.Size);

        public void Dispose() => NativeMemory.AlignedFree(Pointer);
    }
}
