using System;

namespace PmdkSharp.Log;

/// <summary>
/// Writes the records of one append (or batch) at contiguous positions and, where persisting is a
/// cache-line flush, makes them durable with one drain, the cheapest way the strategy allows.
/// </summary>
/// <remarks>
/// Positions are the log's; the bytes go to the position plus the reservation's physical delta
/// (one lap of the ring: a reservation never crosses its end). Where persisting means msync,
/// records are only stored in place: the log's commit msyncs the finished range once for all appenders.
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
    private readonly bool throughFile;
    private readonly bool stages;
    private readonly long delta;
    private readonly ulong generation;
    private bool flushed;
    private int stagedLength;
    private long stagedStart;
    private long inPlaceStart;
    private long inPlaceEnd;

    /// <param name="scope">The append's hold on the mapping.</param>
    /// <param name="streams">True where persisting is a cache-line flush (not msync).</param>
    /// <param name="batch">True for a batch: records are staged (where <paramref name="streams"/>).</param>
    /// <param name="physicalDelta">The file offset of a position minus the position, for this reservation.</param>
    /// <param name="generation">The log generation the records carry.</param>
    public RecordWriter(in PmemAccessScope scope, bool streams, bool batch, long physicalDelta, ulong generation)
    {
        this.scope = scope;
        this.streams = streams;
        delta = physicalDelta;
        this.generation = generation;
        throughFile = !streams && scope.StoresThroughFile;
        stages = (streams || throughFile) && batch;
        staging = stages || throughFile ? (stagingBuffer ??= new byte[StagingSize]) : default;
    }

    /// <summary>
    /// Marks the rest of a lap as skipped: a record header with no payload at <paramref name="position"/>
    /// (file offset <paramref name="physical"/>), flushed where records persist themselves.
    /// </summary>
    public void WriteWrapMarker(long position, long physical)
    {
        LogLayout.WriteRecordHeader(scope.GetSpan(physical, LogLayout.RecordHeaderSize), position, generation, default, batchContinues: false);
        if (streams)
        {
            scope.Flush(physical, LogLayout.RecordHeaderSize);
            flushed = true;
        }
    }

    /// <summary>
    /// Writes the record at position <paramref name="position"/> (right after the previous one); not
    /// durable before <see cref="Persist"/>. <paramref name="batchContinues"/>: more records of its batch follow.
    /// </summary>
    public void Write(long position, ReadOnlySpan<byte> payload, bool batchContinues = false)
    {
        long at = position + delta;
        int size = (int)LogLayout.RecordSize(payload.Length);
        if (stages && size <= StagingSize)
        {
            if (stagedLength + size > StagingSize)
                CopyStaged();
            if (stagedLength == 0)
                stagedStart = at;
            Frame(staging.Slice(stagedLength, size), position, payload, batchContinues);
            stagedLength += size;
            return;
        }
        CopyStaged();
        if (throughFile)
        {
            StoreThroughFile(at, position, payload, batchContinues);
            return;
        }
        Span<byte> target = scope.GetSpan(at, size);
        if (!streams || payload.Length < StreamedPayloadMinimum)
        {
            Frame(target, position, payload, batchContinues);
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
        LogLayout.WriteRecordHeader(target, position, generation, payload, batchContinues);
        target[(LogLayout.RecordHeaderSize + payload.Length)..].Clear();
        long payloadStart = at + LogLayout.RecordHeaderSize;
        scope.CopyFlush(payloadStart, payload);
        scope.Flush(at, LogLayout.RecordHeaderSize);
        if (size > LogLayout.RecordHeaderSize + payload.Length)
            scope.Flush(payloadStart + payload.Length, size - LogLayout.RecordHeaderSize - payload.Length);
        flushed = true;
    }

    /// <summary>Where the commit's msync persists the records: stores what is still staged (a batch written through the file).</summary>
    public void Complete() => CopyStaged();

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
    private readonly void Frame(Span<byte> record, long position, ReadOnlySpan<byte> payload, bool batchContinues)
    {
        LogLayout.WriteRecordHeader(record, position, generation, payload, batchContinues);
        payload.CopyTo(record[LogLayout.RecordHeaderSize..]);
        record[(LogLayout.RecordHeaderSize + payload.Length)..].Clear();
    }

    /// <summary>One record through the file: framed in the staging buffer and written at once, or, when larger, header, payload and padding written apart.</summary>
    private readonly void StoreThroughFile(long at, long position, ReadOnlySpan<byte> payload, bool batchContinues)
    {
        int size = (int)LogLayout.RecordSize(payload.Length);
        if (size <= staging.Length)
        {
            Frame(staging[..size], position, payload, batchContinues);
            scope.Store(at, staging[..size]);
            return;
        }
        // Three system calls for a record of more than 16 KiB: nothing beside its msync.
        Span<byte> header = staging[..LogLayout.RecordHeaderSize];
        LogLayout.WriteRecordHeader(header, position, generation, payload, batchContinues);
        scope.Store(at, header);
        scope.Store(at + LogLayout.RecordHeaderSize, payload);
        int padding = size - LogLayout.RecordHeaderSize - payload.Length;
        if (padding > 0)
        {
            staging[..padding].Clear();
            scope.Store(at + LogLayout.RecordHeaderSize + payload.Length, staging[..padding]);
        }
    }

    private void CopyStaged()
    {
        if (stagedLength == 0)
            return;
        if (throughFile)
        {
            scope.Store(stagedStart, staging[..stagedLength]);
            stagedLength = 0;
            return;
        }
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
