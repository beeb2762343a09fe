using System;
using System.Runtime.InteropServices;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// Cache-line persistence without libpmem: flush, drain, persist, and copies and fills that make
/// their destination durable, done the way libpmem does them. Flushes and fences run machine code
/// from an <see cref="ExecutableCode"/> page (see <see cref="FlushCodeEmitter"/>); copies and fills
/// of at least <see cref="MovntThreshold"/> bytes stream whole lines with non-temporal stores and
/// write the unaligned head and tail normally, flushing only those lines; shorter ones are a
/// plain copy, a flush of the touched lines and one fence. Correct only where stores reach the
/// persistence domain by cache-line write-back: a MAP_SYNC mapping or device DAX.
/// Obtain the process-wide instance from <see cref="CacheLineFlushSupport.Current"/>.
/// </summary>
internal sealed unsafe class CacheLineFlusher : IDisposable
{
    private readonly ExecutableCode code;
    private readonly delegate* unmanaged<byte*, nuint, void> flush;
    private readonly delegate* unmanaged<byte*, nuint, void> persist;
    private readonly delegate* unmanaged<void> drain;

    /// <param name="code">The page holding <paramref name="layout"/>; owned by the flusher from now on.</param>
    /// <param name="layout">Where the three routines start in the page.</param>
    /// <param name="instruction">What the routines flush with (for diagnostics).</param>
    /// <param name="useNonTemporal">False for PMEM_NO_MOVNT=1 or without SSE2: every copy is mov + flush.</param>
    /// <param name="movntThreshold">Copies and fills from this length on stream their whole lines.</param>
    internal CacheLineFlusher(ExecutableCode code, FlushCode layout, FlushInstruction instruction, bool useNonTemporal, nuint movntThreshold)
    {
        this.code = code;
        flush = (delegate* unmanaged<byte*, nuint, void>)(code.Address + layout.FlushOffset);
        persist = (delegate* unmanaged<byte*, nuint, void>)(code.Address + layout.PersistOffset);
        drain = (delegate* unmanaged<void>)(code.Address + layout.DrainOffset);
        Instruction = instruction;
        UsesNonTemporalStores = useNonTemporal && NonTemporalStores.IsSupported;
        MovntThreshold = movntThreshold;
    }

    public FlushInstruction Instruction { get; }

    /// <summary>Whether long copies and fills use non-temporal stores (PMEM_NO_MOVNT=1 turns them off).</summary>
    public bool UsesNonTemporalStores { get; }

    /// <summary>The length from which copies and fills stream (libpmem's PMEM_MOVNT_THRESHOLD, default 256).</summary>
    public nuint MovntThreshold { get; }

    /// <summary>Where the machine code lives (tests read its permissions from /proc/self/maps).</summary>
    internal nuint CodeAddress => (nuint)code.Address;

    /// <summary>Writes back every cache line of the range; no fence: call <see cref="Drain"/> after a batch.</summary>
    public void Flush(byte* address, nuint length) => flush(address, length);

    /// <summary>Waits until earlier flushes and non-temporal stores are durable (SFENCE).</summary>
    public void Drain() => drain();

    /// <summary><see cref="Flush"/> then <see cref="Drain"/>, in one call into the code page.</summary>
    public void Persist(byte* address, nuint length) => persist(address, length);

    /// <summary>Copies (overlap allowed, like memmove) and makes the destination durable.</summary>
    public void CopyPersist(byte* destination, byte* source, nuint length)
    {
        if (Write(destination, length, new CopyFrom(source), Disjoint(destination, source, length)))
            drain();
        else
            persist(destination, length);
    }

    /// <summary>Copies and flushes, without the fence: several of these, then one <see cref="Drain"/>.</summary>
    public void CopyNoDrain(byte* destination, byte* source, nuint length)
    {
        if (!Write(destination, length, new CopyFrom(source), Disjoint(destination, source, length)))
            flush(destination, length);
    }

    /// <summary>Fills and makes the destination durable.</summary>
    public void FillPersist(byte* destination, byte value, nuint length)
    {
        if (Write(destination, length, new FillWith(value), mayStream: true))
            drain();
        else
            persist(destination, length);
    }

    /// <summary>Fills and flushes, without the fence.</summary>
    public void FillNoDrain(byte* destination, byte value, nuint length)
    {
        if (!Write(destination, length, new FillWith(value), mayStream: true))
            flush(destination, length);
    }

    /// <summary>Unmaps the code page (only for flushers built by tests; the process-wide one lives forever).</summary>
    public void Dispose() => code.Dispose();

    // Writes the range; true when streamed (only the partial head and tail lines flushed, a fence
    // still owed), false when written with ordinary stores (every line still to be flushed).
    private bool Write<TWriter>(byte* destination, nuint length, TWriter writer, bool mayStream)
        where TWriter : struct, ILineWriter
    {
        if (!mayStream || !UsesNonTemporalStores || length < MovntThreshold || length == 0)
        {
            writer.Plain(destination, 0, length);
            return false;
        }
        // Ordinary stores up to the next line boundary, so the streamed part starts aligned.
        nuint head = Math.Min((CacheLines.Size - ((nuint)destination & (CacheLines.Size - 1))) & (CacheLines.Size - 1), length);
        if (head != 0)
        {
            writer.Plain(destination, 0, head);
            flush(destination, head);
        }
        nuint lines = (length - head) / CacheLines.Size;
        writer.Stream(destination, head, lines);
        nuint done = head + lines * CacheLines.Size;
        if (done != length)
        {
            writer.Plain(destination, done, length - done);
            flush(destination + done, length - done);
        }
        return true;
    }

    // Overlapping ranges are copied like memmove: streaming forwards could read bytes it already overwrote.
    private static bool Disjoint(byte* destination, byte* source, nuint length) =>
        (nuint)destination >= (nuint)source + length || (nuint)source >= (nuint)destination + length;

    /// <summary>What to write at an offset of the destination, with ordinary or streaming stores (a struct, so each use is specialised).</summary>
    private interface ILineWriter
    {
        void Plain(byte* destination, nuint offset, nuint length);

        void Stream(byte* destination, nuint offset, nuint lines);
    }

    private readonly struct CopyFrom(byte* source) : ILineWriter
    {
        public void Plain(byte* destination, nuint offset, nuint length) => NativeMemory.Copy(source + offset, destination + offset, length);

        public void Stream(byte* destination, nuint offset, nuint lines) => NonTemporalStores.CopyLines(destination + offset, source + offset, lines);
    }

    private readonly struct FillWith(byte value) : ILineWriter
    {
        public void Plain(byte* destination, nuint offset, nuint length) => NativeMemory.Fill(destination + offset, length, value);

        public void Stream(byte* destination, nuint offset, nuint lines) => NonTemporalStores.FillLines(destination + offset, value, lines);
    }
}
