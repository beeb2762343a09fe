using System;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

public class AccessScopeTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_scope_reads_writes_and_persists_what_the_file_sees(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        byte[] data = Patterns.Bytes(1000, seed: 3);
        using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, 8192)))
        {
            using PmemAccessScope scope = file.BeginAccess();
            scope.CopyPersist(10, data);
            scope.Write(2000, 123456789L);
            scope.Persist(2000, 8);
            scope.FillPersist(3000, 100, 0x5A);
            scope.GetSpan(4000, 4)[0] = 9;
            scope.AsRef<int>(4096) = 77;
            scope.Flush(4000, 100);
            scope.Drain();

            Assert.Equal(123456789L, file.Read<long>(2000));
            var back = new byte[1000];
            scope.Read(10, back);
            Assert.Equal(data, back);
            Assert.Equal(9, scope.GetReadOnlySpan(4000, 1)[0]);
            Assert.Equal(77, scope.Read<int>(4096));
        }

        byte[] onDisk = System.IO.File.ReadAllBytes(path.Path);
        Assert.Equal(data, onDisk[10..1010]);
        Assert.Equal(123456789L, BitConverter.ToInt64(onDisk, 2000));
        Assert.All(onDisk[3000..3100], b => Assert.Equal(0x5A, b));
    }

    public static TheoryData<string, Action<PmemAccessScopeHolder, long, int>> RangedMembers => new()
    {
        { "Persist", (h, o, n) => h.Run(s => s.Persist(o, n)) },
        { "Flush", (h, o, n) => h.Run(s => s.Flush(o, n)) },
        { "CopyPersist", (h, o, n) => h.Run(s => s.CopyPersist(o, new byte[n])) },
        { "FillPersist", (h, o, n) => h.Run(s => s.FillPersist(o, n, 1)) },
        { "Write", (h, o, n) => h.Run(s => s.Write(o, new byte[n])) },
        { "Read", (h, o, n) => h.Run(s => s.Read(o, new byte[n])) },
        { "GetSpan", (h, o, n) => h.Run(s => _ = s.GetSpan(o, n).Length) },
        { "GetReadOnlySpan", (h, o, n) => h.Run(s => _ = s.GetReadOnlySpan(o, n).Length) },
        { "WriteT", (h, o, n) => h.Run(s => s.Write(o, 1L)) },
        { "ReadT", (h, o, n) => h.Run(s => _ = s.Read<long>(o)) },
    };

    [SkippableTheory]
    [MemberData(nameof(RangedMembers))]
    public void Bounds_are_exact_at_the_end_of_the_file(string name, Action<PmemAccessScopeHolder, long, int> call)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            using var path = new TempPath(TestEnvironment.Directories[0]);
            const int Length = 8192;
            using var file = PmemFile.Open(path.Path, Patterns.Options(backend, Length, 1 << 20));
            var holder = new PmemAccessScopeHolder(file);

            call(holder, Length - 8, 8);            // ends exactly at the end: accepted
            bool typed = name.EndsWith('T'); // Read<long>/Write<long>: always 8 bytes
            if (!typed)
                call(holder, Length, 0);            // empty at the end: accepted
            Assert.Throws<ArgumentOutOfRangeException>(() => call(holder, Length - 7, 8));
            Assert.Throws<ArgumentOutOfRangeException>(() => call(holder, Length + 1, typed ? 8 : 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => call(holder, -1, 1));

            // A grow is seen by a scope opened before it.
            using (PmemAccessScope scope = file.BeginAccess())
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => holder.Run(s => s.Write(Length, 1L)));
                file.Grow(Length * 2);
                Assert.Equal(Length * 2, scope.Length);
                call(holder, Length * 2 - 8, 8);
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_read_only_scope_reads_and_refuses_writes(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using (var writer = PmemFile.Open(path.Path, Patterns.Options(backend, 4096)))
            writer.CopyPersist(0, new byte[] { 1, 2, 3 });
        using var file = PmemFile.Open(path.Path, new PmemFileOptions { Backend = backend, Mode = System.IO.FileMode.Open, ReadOnly = true });
        var holder = new PmemAccessScopeHolder(file);

        holder.Run(s => Assert.Equal(2, s.Read<byte>(1)));
        Assert.Throws<NotSupportedException>(() => holder.Run(s => s.Write(0, 1)));
        Assert.Throws<NotSupportedException>(() => holder.Run(s => s.Persist(0, 1)));
        Assert.Throws<NotSupportedException>(() => holder.Run(s => s.Drain()));
        Assert.Throws<NotSupportedException>(() => holder.Run(s => _ = s.GetSpan(0, 1).Length));
    }
}

/// <summary>
/// Allocation is counted per thread, but a metrics listener enabled by another test makes every
/// persist record (and box) its tags: this runs alone, with the metrics tests, never beside them.
/// </summary>
[Collection(nameof(ProcessWideListeners))]
public class AccessScopeAllocationTests
{
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Scope_members_allocate_nothing(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 1 << 16));
        Span<byte> record = stackalloc byte[64];
        Run(file, record); // JIT and first-use allocations happen here

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(file, record);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        static void Run(PmemFile file, Span<byte> record)
        {
            using PmemAccessScope scope = file.BeginAccess();
            for (int i = 0; i < 1000; i++)
            {
                long offset = (i % 512) * 64;
                scope.CopyPersist(offset, record);
                scope.Write(offset, (long)i);
                scope.Flush(offset, 8);
                scope.Drain();
                scope.Read(offset, record);
                _ = scope.Read<long>(offset);
            }
        }
    }
}

/// <summary>Tests that enable, or must not see, process-wide listeners (metrics): run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ProcessWideListeners), DisableParallelization = true)]
public sealed class ProcessWideListeners
{
}

/// <summary>Runs a lambda inside a fresh scope (a ref struct cannot be captured by a lambda).</summary>
public sealed class PmemAccessScopeHolder
{
    private readonly PmemFile file;

    public PmemAccessScopeHolder(PmemFile file) => this.file = file;

    public delegate void ScopeAction(PmemAccessScope scope);

    public void Run(ScopeAction action)
    {
        using PmemAccessScope scope = file.BeginAccess();
        action(scope);
    }
}
