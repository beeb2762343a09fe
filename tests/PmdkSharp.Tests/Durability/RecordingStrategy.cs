using System.Collections.Generic;
using PmdkSharp.Durability;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// Wraps a mapping's real strategy and records every range handed to it as (operation, offset,
/// length) relative to the mapping's base, so a test can see exactly what a public call persisted.
/// </summary>
internal sealed unsafe class RecordingStrategy : DurabilityStrategy
{
    private readonly DurabilityStrategy inner;
    private nuint baseAddress;

    public RecordingStrategy(DurabilityStrategy inner) => this.inner = inner;

    public List<(string Operation, long Offset, long Length)> Calls { get; } = new();

    public override PersistMethod Method => inner.Method;

    public override StoreGranularity Granularity => inner.Granularity;

    public override bool StoresThroughFile => inner.StoresThroughFile;

    public override void Store(byte* destination, byte* source, nuint length) => inner.Store(destination, source, length);

    /// <summary>Offsets are recorded relative to this address (the file's base).</summary>
    public void Attach(PmemFile file) => baseAddress = file.BaseAddress;

    public override void Persist(byte* address, nuint length)
    {
        Record("persist", address, length);
        inner.Persist(address, length);
    }

    public override void Flush(byte* address, nuint length)
    {
        Record("flush", address, length);
        inner.Flush(address, length);
    }

    public override void Drain()
    {
        lock (Calls)
            Calls.Add(("drain", 0, 0));
        inner.Drain();
    }

    public override void CopyPersist(byte* destination, byte* source, nuint length)
    {
        Record("copy", destination, length);
        inner.CopyPersist(destination, source, length);
    }

    public override void FillPersist(byte* destination, byte value, nuint length)
    {
        Record("fill", destination, length);
        inner.FillPersist(destination, value, length);
    }

    private void Record(string operation, byte* address, nuint length)
    {
        lock (Calls)
            Calls.Add((operation, (long)((nuint)address - baseAddress), (long)length));
    }
}
