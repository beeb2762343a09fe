using System;
using System.Collections.Generic;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// Every public persisting call hands exactly its range to the mapping's durability strategy:
/// a member that skipped the strategy, or persisted a different range, fails here.
/// </summary>
public class StrategySeamTests
{
    private const int Length = 1 << 16;

    public static TheoryData<string, Action<PmemFile>, (string, long, long)[]> Calls => new()
    {
        { "Persist", f => f.Persist(100, 200), new[] { ("persist", 100L, 200L) } },
        { "Persist whole", f => f.Persist(), new[] { ("persist", 0L, (long)Length) } },
        { "Persist empty at end", f => f.Persist(Length, 0), new[] { ("persist", (long)Length, 0L) } },
        { "Flush + Drain", f => { f.Flush(4000, 300); f.Drain(); }, new[] { ("flush", 4000L, 300L), ("drain", 0L, 0L) } },
        { "CopyPersist", f => f.CopyPersist(777, new byte[33]), new[] { ("copy", 777L, 33L) } },
        { "FillPersist", f => f.FillPersist(Length - 5, 5, 0xAB), new[] { ("fill", (long)Length - 5, 5L) } },
        { "Scope Persist", f => { using PmemAccessScope s = f.BeginAccess(); s.Persist(8, 16); }, new[] { ("persist", 8L, 16L) } },
        { "Scope Flush + Drain", f => { using PmemAccessScope s = f.BeginAccess(); s.Flush(64, 64); s.Drain(); }, new[] { ("flush", 64L, 64L), ("drain", 0L, 0L) } },
        { "Scope CopyPersist", f => { using PmemAccessScope s = f.BeginAccess(); s.CopyPersist(5, new byte[7]); }, new[] { ("copy", 5L, 7L) } },
        { "Scope FillPersist", f => { using PmemAccessScope s = f.BeginAccess(); s.FillPersist(9, 11, 1); }, new[] { ("fill", 9L, 11L) } },
        { "Stream Flush", f => { using var s = f.AsStream(); s.Position = 10; s.Write(new byte[20]); s.Position = 100; s.Write(new byte[5]); s.Flush(); }, new[] { ("persist", 10L, 95L) } },
    };

    [SkippableTheory]
    [MemberData(nameof(Calls))]
    public void Each_persisting_member_hands_exactly_its_range_to_the_strategy(string name, Action<PmemFile> call, (string, long, long)[] expected)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            foreach (string directory in TestEnvironment.Directories)
            {
                using var path = new TempPath(directory);
                RecordingStrategy? recorder = null;
                var options = Patterns.Options(backend, Length) with
                {
                    StrategyDecorator = inner => recorder = new RecordingStrategy(inner),
                };
                using var file = PmemFile.Open(path.Path, options);
                recorder!.Attach(file);

                call(file);

                Assert.True(expected.AsSpan().SequenceEqual(recorder.Calls.ToArray()),
                    $"{name} on {backend} in {directory}: expected [{string.Join(", ", expected)}], strategy saw [{string.Join(", ", recorder.Calls)}]");
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Reads_writes_and_grows_persist_nothing(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        RecordingStrategy? recorder = null;
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, 1 << 20) with
        {
            StrategyDecorator = inner => recorder = new RecordingStrategy(inner),
        });

        file.Write(0, new byte[10]);
        file.Write(16, 42L);
        _ = file.Read<long>(16);
        file.Grow(8192);
        using (PmemAccessScope scope = file.BeginAccess())
        {
            scope.Write(0, new byte[3]);
            scope.Write(8, 1);
        }

        Assert.Empty(recorder!.Calls);
    }
}
