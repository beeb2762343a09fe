using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Durability;

namespace PmdkSharp.TestHost.Durability;

/// <summary>A byte range of a mapping, as an offset from its base.</summary>
internal readonly record struct ByteRange(long Offset, long Length)
{
    public override string ToString() => $"[{Offset}, {Offset + Length})";
}

/// <summary>
/// What a call promised: these ranges are durable when it returns (<see cref="Drains"/>), or, for a
/// flush without a drain, on their way (a later drain waits for them).
/// </summary>
internal sealed record PersistPromise(IReadOnlyList<ByteRange> Ranges, bool Drains)
{
    public static PersistPromise Durable(long offset, long length) => new(new[] { new ByteRange(offset, length) }, true);

    public static PersistPromise Flushed(long offset, long length) => new(new[] { new ByteRange(offset, length) }, false);
}

/// <summary>
/// Where a persisting call runs: a fresh file at <see cref="Path"/>, opened with <see cref="Backend"/>
/// and the test's strategy decorator (the recording flusher's harness replaces the strategy; the
/// debug-libpmem harness leaves it alone and reads libpmem's log instead).
/// </summary>
internal sealed record PersistingCallSetup(string Path, PmemBackendKind Backend, Func<DurabilityStrategy, DurabilityStrategy>? Decorator)
{
    public PmemFileOptions FileOptions(long length) => new()
    {
        Mode = FileMode.CreateNew,
        Length = length,
        Backend = Backend,
        StrategyDecorator = Decorator,
    };
}

/// <summary>
/// One prepared call: what it works on (disposed after), the base address its offsets are relative
/// to, and the call itself, which returns what it promised. Only <see cref="Act"/> is observed: opening
/// and preparing the file happen before.
/// </summary>
internal sealed record PersistingCallRun(IDisposable Subject, nuint BaseAddress, Func<PersistPromise> Act);

/// <summary>A public member that persists, prepared on a fresh file by <see cref="Prepare"/>.</summary>
internal sealed record PersistingCall(string Name, Func<PersistingCallSetup, PersistingCallRun> Prepare)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every public member that promises durability, with the ranges it promises. Two harnesses run this
/// one list: tests/PmdkSharp.Tests/Durability/DebugLibpmemTests (the PMDK backend through libpmem's debug
/// build, whose log names every range flushed and every drain) and ManagedFlushStrategyTests (the managed
/// strategy over a flusher that records each line and fence). A member missing here is a member neither
/// checks: add it. Ranges straddle cache lines and pages on purpose, and the long copies and fills take
/// the non-temporal path.
/// </summary>
internal static class PersistingCalls
{
    /// <summary>The length of every file the calls run on (not a page multiple: the end is a partial page).</summary>
    public const long FileLength = 3 * 4096 + 1000;

    public static readonly PersistingCall[] All =
    [
        OnFile("PmemFile.Persist(range)", f => { f.Persist(100, 200); return PersistPromise.Durable(100, 200); }),
        OnFile("PmemFile.Persist()", f => { f.Persist(); return PersistPromise.Durable(0, FileLength); }),
        OnFile("PmemFile.Flush", f => { f.Flush(4000, 300); return PersistPromise.Flushed(4000, 300); }),
        OnFile("PmemFile.Flush+Drain", f => { f.Flush(4000, 300); f.Flush(9000, 10); f.Drain(); return Durable((4000, 300), (9000, 10)); }),
        OnFile("PmemFile.CopyPersist(short)", f => { f.CopyPersist(777, Bytes(33)); return PersistPromise.Durable(777, 33); }),
        OnFile("PmemFile.CopyPersist(long)", f => { f.CopyPersist(4093, Bytes(5000)); return PersistPromise.Durable(4093, 5000); }),
        OnFile("PmemFile.FillPersist(short)", f => { f.FillPersist(FileLength - 5, 5, 0xAB); return PersistPromise.Durable(FileLength - 5, 5); }),
        OnFile("PmemFile.FillPersist(long)", f => { f.FillPersist(1001, 3000, 0xCD); return PersistPromise.Durable(1001, 3000); }),
        OnFile("PmemAccessScope.Persist", f => { using PmemAccessScope s = f.BeginAccess(); s.Persist(8, 16); return PersistPromise.Durable(8, 16); }),
        OnFile("PmemAccessScope.Flush", f => { using PmemAccessScope s = f.BeginAccess(); s.Flush(64, 64); return PersistPromise.Flushed(64, 64); }),
        OnFile("PmemAccessScope.Flush+Drain", f => { using PmemAccessScope s = f.BeginAccess(); s.Flush(64, 64); s.Drain(); return PersistPromise.Durable(64, 64); }),
        OnFile("PmemAccessScope.CopyPersist(short)", f => { using PmemAccessScope s = f.BeginAccess(); s.CopyPersist(5, Bytes(7)); return PersistPromise.Durable(5, 7); }),
        OnFile("PmemAccessScope.CopyPersist(long)", f => { using PmemAccessScope s = f.BeginAccess(); s.CopyPersist(130, Bytes(1000)); return PersistPromise.Durable(130, 1000); }),
        OnFile("PmemAccessScope.FillPersist", f => { using PmemAccessScope s = f.BeginAccess(); s.FillPersist(9, 11, 1); return PersistPromise.Durable(9, 11); }),
        OnFile("PmemStream.Flush", f =>
        {
            using PmemStream s = f.AsStream();
            s.Position = 10; s.Write(Bytes(20)); s.Position = 100; s.Write(Bytes(5));
            s.Flush();
            return PersistPromise.Durable(10, 95);
        }),
        OnFile("PmemStream.FlushAsync", f =>
        {
            using PmemStream s = f.AsStream();
            s.Position = 5000; s.Write(Bytes(300));
            s.FlushAsync().GetAwaiter().GetResult();
            return PersistPromise.Durable(5000, 300);
        }),
        OnFile("PmemStream.Dispose", f =>
        {
            using (PmemStream s = f.AsStream())
            {
                s.Position = 4090; s.Write(Bytes(12));
            }
            return PersistPromise.Durable(4090, 12);
        }),
    ];

    public static PersistingCall Find(string name) =>
        Array.Find(All, c => c.Name == name) ?? throw new ArgumentException($"No persisting call named '{name}'.", nameof(name));

    /// <summary>A call on a fresh <see cref="PmemFile"/> of <see cref="FileLength"/> bytes.</summary>
    private static PersistingCall OnFile(string name, Func<PmemFile, PersistPromise> call) =>
        new(name, setup =>
        {
            PmemFile file = PmemFile.Open(setup.Path, setup.FileOptions(FileLength));
            return new PersistingCallRun(file, file.BaseAddress, () => call(file));
        });

    private static PersistPromise Durable(params (long Offset, long Length)[] ranges) =>
        new(Array.ConvertAll(ranges, r => new ByteRange(r.Offset, r.Length)), true);

    private static byte[] Bytes(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(i * 31 + 7);
        return bytes;
    }
}
