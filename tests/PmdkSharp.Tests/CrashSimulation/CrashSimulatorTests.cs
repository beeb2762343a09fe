using System;
using System.Buffers.Binary;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.CrashSimulation;

public class CrashSimulatorTests
{
    private readonly ITestOutputHelper output;

    public CrashSimulatorTests(ITestOutputHelper output) => this.output = output;

    private static PmemFileOptions Options(PmemBackendKind backend, CrashSimulator simulator, long length = 1 << 16, long? max = null) =>
        Patterns.Options(backend, length, max) with { CrashSimulator = simulator };

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void After_a_crash_the_file_holds_exactly_what_was_persisted(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        var simulator = new CrashSimulator();
        var file = PmemFile.Open(path.Path, Options(backend, simulator, 1 << 16, 1 << 20));
        Assert.Equal(PersistMethod.Simulated, file.PersistMethod);

        file.Write(0, "persisted"u8);
        file.Persist(0, 9);
        file.Write(100, "stored only"u8);
        file.CopyPersist(200, "copied"u8);
        file.FillPersist(300, 4, 0xEE);
        file.Write(400, "flushed, drained"u8);
        file.Flush(400, 16);
        file.Drain();
        file.Write(500, "flushed, no drain"u8);
        file.Flush(500, 17);
        using (PmemAccessScope scope = file.BeginAccess())
        {
            scope.Write(600, 42L);
            scope.Persist(600, 8);
            scope.Write(700, 43L);
        }
        using (PmemStream stream = file.AsStream())
        {
            stream.Position = 800;
            stream.Write("streamed"u8);
            stream.Flush();
        }
        file.Grow(1 << 17);
        file.CopyPersist((1 << 17) - 5, "grown"u8);
        file.Write((1 << 17) - 10, "lost"u8);

        simulator.Crash();
        Assert.Throws<ObjectDisposedException>(() => file.Length);

        byte[] after = File.ReadAllBytes(path.Path);
        Assert.Equal(1 << 17, after.Length); // growth is treated as durable
        Assert.Equal("persisted"u8.ToArray(), after[..9]);
        Assert.All(after[100..111], b => Assert.Equal(0, b));
        Assert.Equal("copied"u8.ToArray(), after[200..206]);
        Assert.All(after[300..304], b => Assert.Equal(0xEE, b));
        Assert.Equal("flushed, drained"u8.ToArray(), after[400..416]);
        Assert.All(after[500..517], b => Assert.Equal(0, b));
        Assert.Equal(42L, BitConverter.ToInt64(after, 600));
        Assert.Equal(0L, BitConverter.ToInt64(after, 700));
        Assert.Equal("streamed"u8.ToArray(), after[800..808]);
        Assert.Equal("grown"u8.ToArray(), after[^5..]);
        Assert.All(after[^10..^6], b => Assert.Equal(0, b));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_crash_point_crashes_inside_the_nth_persisting_call(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        var simulator = new CrashSimulator { CrashAtPersistCall = 3 };
        var file = PmemFile.Open(path.Path, Options(backend, simulator));

        file.CopyPersist(0, "one"u8);
        file.CopyPersist(10, "two"u8);
        var crash = Assert.Throws<SimulatedCrashException>(() => file.CopyPersist(20, "three"u8));
        Assert.Contains("call 3", crash.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => file.CopyPersist(30, "four"u8));

        byte[] after = File.ReadAllBytes(path.Path);
        Assert.Equal("one"u8.ToArray(), after[..3]);
        Assert.Equal("two"u8.ToArray(), after[10..13]);
        Assert.All(after[20..25], b => Assert.Equal(0, b)); // the copy was stored, never persisted
        Assert.Equal(1, simulator.Crashes);
        Assert.Null(simulator.CrashAtPersistCall);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Adversarial_crashes_write_back_some_unpersisted_words_and_keep_every_persisted_one(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var simulator = new CrashSimulator(seed);
        int survivedTotal = 0, lostTotal = 0;
        for (int round = 0; round < 20; round++)
        {
            File.Delete(path.Path);
            var file = PmemFile.Open(path.Path, Options(backend, simulator, 4096));
            for (int word = 0; word < 64; word++)
                file.Write(word * 8, (long)(word + 1));
            file.Persist(0, 8 * 16); // the first 16 words are persisted; the other 48 are only stored
            simulator.Crash();

            byte[] after = File.ReadAllBytes(path.Path);
            for (int word = 0; word < 64; word++)
            {
                long value = BinaryPrimitives.ReadInt64LittleEndian(after.AsSpan(word * 8));
                if (word < 16)
                    Assert.True(value == word + 1, $"seed {seed}, round {round}: persisted word {word} is {value}");
                else if (value == word + 1)
                    survivedTotal++;
                else
                    Assert.True(value == 0, $"seed {seed}, round {round}: word {word} is {value}, neither written back whole nor lost whole");
                if (word >= 16 && value == 0)
                    lostTotal++;
            }
        }
        // 20 rounds x 48 unpersisted words at p = 0.5: both outcomes are all but certain to appear.
        Assert.InRange(survivedTotal, 1, 20 * 48 - 1);
        Assert.Equal(20 * 48, survivedTotal + lostTotal);
        Assert.Equal(survivedTotal, simulator.WordsWrittenBack);
    }

    /// <summary>
    /// A two-step commit (record, then a tail that says the record is there) in a correct and a
    /// wrong order. The wrong orders survive a plain dispose-and-reopen, because the page cache
    /// keeps every store; the simulator catches each within a few seeds.
    /// </summary>
    public enum LogOrder { Correct, TailBeforeRecordPersisted, OnePersistForBoth, RecordFlushedWithoutDrain }

    [SkippableTheory]
    [InlineData(LogOrder.Correct, false)]
    [InlineData(LogOrder.TailBeforeRecordPersisted, true)]
    [InlineData(LogOrder.OnePersistForBoth, true)]
    [InlineData(LogOrder.RecordFlushedWithoutDrain, true)]
    public void The_simulator_catches_commits_in_the_wrong_order(LogOrder order, bool buggy)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            using var path = new TempPath(TestEnvironment.Directories[0]);

            // Without the simulator: "crash" = dispose without persisting anything more, then reopen. Never caught.
            for (int records = 1; records <= 8; records++)
            {
                File.Delete(path.Path);
                using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096)))
                    for (int r = 0; r < records; r++)
                        Append(file, order, r);
                Assert.Null(Recover(path.Path));
            }

            // With it: every crash point, adversarial write-back, a few seeds.
            int firstFailingSeed = -1;
            for (int seed = 0; seed < 20 && firstFailingSeed < 0; seed++)
            {
                var probe = new CrashSimulator(seed);
                File.Delete(path.Path);
                var counting = PmemFile.Open(path.Path, Options(backend, probe, 4096));
                for (int r = 0; r < 4; r++)
                    Append(counting, order, r);
                long points = probe.PersistCalls;
                probe.Crash();
                for (long point = 1; point <= points + 1 && firstFailingSeed < 0; point++)
                {
                    var simulator = new CrashSimulator(seed) { CrashAtPersistCall = point };
                    File.Delete(path.Path);
                    var file = PmemFile.Open(path.Path, Options(backend, simulator, 4096));
                    try
                    {
                        for (int r = 0; r < 4; r++)
                            Append(file, order, r);
                        simulator.Crash(); // past the last persist: a crash with nothing in flight
                    }
                    catch (SimulatedCrashException)
                    {
                    }
                    if (Recover(path.Path) is { } problem)
                    {
                        firstFailingSeed = seed;
                        output.WriteLine($"{order} on {backend}: seed {seed}, crash point {point}: {problem}");
                    }
                }
            }
            Assert.True(buggy == firstFailingSeed >= 0,
                buggy ? $"{order}: no seed in 0..19 caught the wrong order" : $"{order}: the correct order failed recovery at seed {firstFailingSeed}");
        }
    }

    // Layout: a tail (record count, 8 bytes) at 0; record r at 64 + 64 r, each eight words of r + 1.
    private static void Append(PmemFile file, LogOrder order, int r)
    {
        long at = 64 + 64L * r;
        Span<byte> record = stackalloc byte[64];
        for (int i = 0; i < 8; i++)
            BinaryPrimitives.WriteInt64LittleEndian(record[(i * 8)..], r + 1);
        switch (order)
        {
            case LogOrder.Correct:
                file.CopyPersist(at, record);
                file.Write(0, (long)(r + 1));
                file.Persist(0, 8);
                break;
            case LogOrder.TailBeforeRecordPersisted:
                file.Write(at, record);
                file.Write(0, (long)(r + 1));
                file.Persist(0, 8);
                file.Persist(at, 64);
                break;
            case LogOrder.OnePersistForBoth:
                file.Write(at, record);
                file.Write(0, (long)(r + 1));
                file.Persist(0, at + 64); // one persist at the end: nothing orders the tail after the record
                break;
            case LogOrder.RecordFlushedWithoutDrain:
                file.Write(at, record);
                file.Flush(at, 64);
                file.Write(0, (long)(r + 1));
                file.Persist(0, 8);
                file.Drain();
                break;
        }
    }

    /// <summary>What recovery finds wrong: a tail that counts a record that is not (all) there, or null.</summary>
    private static string? Recover(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long tail = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        for (int r = 0; r < tail; r++)
            for (int i = 0; i < 8; i++)
            {
                long word = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(64 + 64 * r + 8 * i));
                if (word != r + 1)
                    return $"tail {tail} but record {r} word {i} is {word}";
            }
        return null;
    }
}
