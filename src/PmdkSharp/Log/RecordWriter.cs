using System;

namespace PmdkSharp.Log;

/// <summary>
/// Writes the records of one append (or batch) at contiguous offsets and makes them durable with
/// one drain, the cheapest way the file's durability strategy allows.
/// </summary>
/// <remarks>
/// Where persisting means msync, records are stored in place and the range is synced once.
/// Where it is a cache-line flush: a small record alone is stored in place and persisted (one
/// flush-and-drain call); a payload of 256 bytes or more is copied with the strategy's
/// copy-and-flush, which streams its whole cache lines past the cache as libpmem's memcpy does
/// (header and padding stored around it and flushed); the records of a batch are framed in a
/// per-thread staging buffer and copied in with one copy-and-flush per buffer, so a batch costs
/// what one <see cref="PmemFile.CopyPersist"/> of the same bytes costs. Streaming record after
/// record in place would be slower: each record's partial first line is the previous record's
/// last, just flushed (on CPUs whose flush evicts, a trip to memory per record).
/// </remarks>
internal ref struct RecordWriter
{
    /// <summary>The staging buffer's size: a batch of small records is one copy of up to this many bytes.</summary>
    public const int StagingSize = 16 << 10;

    /// <summary>Payloads from this size on are streamed (libpmem's default threshold for non-temporal copies).</summary>
    public const int StreamedPayloadMinimum = 256;

    [ThreadStatic] private static byte[]? stagingBuffer;

    private readonly PmemAccessScope scope;
    private readonly Span<byte> staging;
    private readonly bool streams;
    private readonly bool stages;
    private bool flushed;
    private int stagedLength;
    private long stagedStart;
    private long inPlaceStart;
    private long inPlaceEnd;

    /// <param name="scope">The append's hold on the mapping.</param>
    /// <param name="streams">True where persisting is a cache-line flush (not msync).</param>
    /// <param name="batch">True for a batch: records are staged (where <paramref name="streams"/>).</param>
    public RecordWriter(in PmemAccessScope scope, bool streams, bool batch)
    {
        this.scope = scope;
        this.streams = streams;
        stages = streams && batch;
        staging = stages ? (stagingBuffer ??= new byte[StagingSize]) : default;
    }

    /// <summary>Writes the record that starts at <paramref name="at"/> (right after the previous one); not durable before <see cref="Persist"/>.</summary>
    public void Write(long at, ReadOnlySpan<byte> payload)
    {
        int size = (int)LogLayout.RecordSize(payload.Length);
        if (stages && size <= StagingSize)
        {
            if (stagedLength + size > StagingSize)
                CopyStaged();
            if (stagedLength == 0)
                stagedStart = at;
            Frame(staging.Slice(stagedLength, size), at, payload);
            stagedLength += size;
            return;
        }
        CopyStaged();
        Span<byte> target = scope.GetSpan(at, size);
        if (!streams || payload.Length < StreamedPayloadMinimum)
        {
            Frame(target, at, payload);
            if (at != inPlaceEnd)
            {
                FlushInPlace();
                inPlaceStart = at;
            }
            inPlaceEnd = at + size;
            return;
        }
        // Header and padding stored in place, the payload streamed between them: the copy writes
        // the partial lines it shares with them through the cache, so no line gets both kinds of store.
        LogLayout.WriteRecordHeader(target, at, payload);
        target[(LogLayout.RecordHeaderSize + payload.Length)..].Clear();
        long payloadStart = at + LogLayout.RecordHeaderSize;
        scope.CopyFlush(payloadStart, payload);
        scope.Flush(at, LogLayout.RecordHeaderSize);
        if (size > LogLayout.RecordHeaderSize + payload.Length)
            scope.Flush(payloadStart + payload.Length, size - LogLayout.RecordHeaderSize - payload.Length);
        flushed = true;
    }

    /// <summary>Makes every record written so far durable: the last copy or flush, then one drain.</summary>
    public void Persist()
    {
        CopyStaged();
        if (!flushed && inPlaceEnd > inPlaceStart)
        {
            scope.Persist(inPlaceStart, inPlaceEnd - inPlaceStart); // flush and drain in one call
            return;
        }
        FlushInPlace();
        scope.Drain();
    }

    /// <summary>The whole record: header, payload, zero padding to the record's aligned size.</summary>
    private static void Frame(Span<byte> record, long position, ReadOnlySpan<byte> payload)
    {
        LogLayout.WriteRecordHeader(record, position, payload);
        payload.CopyTo(record[LogLayout.RecordHeaderSize..]);
        record[(LogLayout.RecordHeaderSize + payload.Length)..].Clear();
    }

    private void CopyStaged()
    {
        if (stagedLength == 0)
            return;
        scope.CopyFlush(stagedStart, staging[..stagedLength]);
        stagedLength = 0;
        flushed = true;
    }

    private void FlushInPlace()
    {
        if (inPlaceEnd == inPlaceStart)
            return;
        scope.Flush(inPlaceStart, inPlaceEnd - inPlaceStart);
        inPlaceStart = inPlaceEnd;
        flushed = true;
    }
}
