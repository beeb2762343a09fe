using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using PmdkSharp.FlushEngine;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// A <see cref="CacheLineFlusher"/> whose code page holds the recording variant of the emitted
/// routines: the same loop, but each line address it would flush, and a marker where it would
/// fence, goes to a log. The copy and fill logic above it is the production code, unchanged.
/// </summary>
internal sealed unsafe class RecordingFlusher : IDisposable
{
    private const int Capacity = 1 << 16;
    private readonly ulong* log;
    private readonly ulong** cursor;

    public RecordingFlusher(bool nonTemporal = true, nuint movntThreshold = FlushSettings.DefaultMovntThreshold)
    {
        log = (ulong*)NativeMemory.Alloc(Capacity, sizeof(ulong));
        cursor = (ulong**)NativeMemory.Alloc(1, (nuint)sizeof(ulong*));
        *cursor = log;
        FlushCode layout = FlushCodeEmitter.EmitRecorder(cursor);
        ExecutableCode? code = ExecutableCode.TryCreate(layout.Bytes, default, out string? failure);
        Assert.True(code is not null, failure);
        Flusher = new CacheLineFlusher(code!, layout, FlushInstruction.Clwb, nonTemporal, movntThreshold);
    }

    public CacheLineFlusher Flusher { get; }

    /// <summary>What was recorded since the last call: line addresses and <see cref="FlushCodeEmitter.FenceMarker"/>s.</summary>
    public List<ulong> Take()
    {
        long count = *cursor - log;
        Assert.InRange(count, 0, Capacity);
        var entries = new List<ulong>(new ReadOnlySpan<ulong>(log, (int)count).ToArray());
        *cursor = log;
        return entries;
    }

    public void Dispose()
    {
        Flusher.Dispose();
        NativeMemory.Free(log);
        NativeMemory.Free(cursor);
    }
}
