using System;
using System.Buffers.Binary;

namespace PmdkSharp.Log;

/// <summary>What <see cref="RecordCheck"/> found at a position.</summary>
internal enum RecordKind
{
    /// <summary>An intact record.</summary>
    Record,

    /// <summary>No record: the rest of the lap is skipped (a wrap marker, or too little room for a record header).</summary>
    Skip,

    /// <summary>Not an intact record (the end of the log when recovering, damage below the end otherwise).</summary>
    Invalid,
}

/// <summary>
/// Checks the record at a position, for either record format: the one place that knows what an
/// intact record is. Format 2 records carry the low 32 bits of the generation that wrote them; the
/// full generation (part of the checksum's seed) is the latest one with those low bits that is not
/// after <see cref="Generation"/>. Immutable: the log swaps in a new one when its generation changes.
/// </summary>
internal sealed class RecordCheck
{
    private readonly PmemFile file;

    public RecordCheck(PmemFile file, uint format, LogRing ring, ulong generation)
    {
        this.file = file;
        Format = format;
        Ring = ring;
        Generation = generation;
    }

    public uint Format { get; }

    public LogRing Ring { get; }

    /// <summary>The generation appends write now.</summary>
    public ulong Generation { get; }

    /// <summary>
    /// Looks at <paramref name="at"/>: a record that ends by <paramref name="end"/>, a skip to the
    /// next lap, or why neither. With <paramref name="currentGenerationOnly"/> (recovery past the
    /// hint) a record or marker of an older generation is invalid.
    /// </summary>
    public RecordKind Examine(long at, long end, bool currentGenerationOnly, out int length, out long next, out string? error) =>
        Examine(at, end, currentGenerationOnly, out length, out next, out _, out error);

    /// <summary>As above; <paramref name="batchContinues"/> tells that more records of the record's batch follow.</summary>
    public RecordKind Examine(long at, long end, bool currentGenerationOnly, out int length, out long next, out bool batchContinues, out string? error)
    {
        length = 0;
        batchContinues = false;
        next = at;
        error = null;
        long room = Ring.RoomBeforeEnd(at);
        if (Format != LogLayout.FormatOne && room < LogLayout.RecordHeaderSize)
        {
            next = at + room;
            return RecordKind.Skip;
        }
        long physical = Ring.Physical(at);
        if (Math.Min(end - at, file.Length - physical) < LogLayout.RecordHeaderSize)
        {
            error = $"the record at {at} would have {Math.Min(end - at, file.Length - physical)} bytes before the end, less than a record header.";
            return RecordKind.Invalid;
        }
        ReadOnlySpan<byte> header = file.GetReadOnlySpan(Ring.Physical(at), LogLayout.RecordHeaderSize);
        uint lengthField = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint stored = lengthField;
        uint second = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        ulong generation = 0;
        if (Format == LogLayout.FormatOne)
        {
            if (second != ~stored || stored == 0 || stored > LogLayout.MaxPayload)
            {
                error = $"the record at {at} has a damaged length field ({stored}, check {second:X8}).";
                return RecordKind.Invalid;
            }
        }
        else
        {
            if (currentGenerationOnly && second != (uint)Generation)
            {
                error = $"the record at {at} belongs to another generation ({second}, not {(uint)Generation}).";
                return RecordKind.Invalid;
            }
            generation = Generation - (uint)((uint)Generation - second);
            batchContinues = (lengthField & LogLayout.BatchContinues) != 0;
            stored = lengthField & ~LogLayout.BatchContinues;
            if (stored > LogLayout.MaxPayload)
            {
                error = $"the record at {at} has a damaged length field ({stored}).";
                return RecordKind.Invalid;
            }
            if (stored == 0)
            {
                // A wrap marker: the next record starts at the next lap; its checksum is that of no payload.
                if (batchContinues || checksum != LogLayout.Checksum(at, generation, 0, default))
                {
                    error = $"the record at {at} has a zero length and is no wrap marker.";
                    return RecordKind.Invalid;
                }
                next = at + room;
                return RecordKind.Skip;
            }
        }
        long size = LogLayout.RecordSize((int)stored);
        if (size > end - at || size > room || size > file.Length - physical)
        {
            error = $"the record at {at} of {stored} bytes runs past the {(size > room ? "end of the record area" : size > end - at ? "end" : "end of the file")}.";
            return RecordKind.Invalid;
        }
        ReadOnlySpan<byte> payload = file.GetReadOnlySpan(Ring.Physical(at) + LogLayout.RecordHeaderSize, (int)stored);
        ulong expected = Format == LogLayout.FormatOne ? LogLayout.ChecksumFormatOne(at, payload) : LogLayout.Checksum(at, generation, lengthField, payload);
        if (expected != checksum)
        {
            error = $"the record at {at} of {stored} bytes fails its checksum.";
            return RecordKind.Invalid;
        }
        length = (int)stored;
        next = at + size;
        return RecordKind.Record;
    }

    /// <summary>True when the header at <paramref name="at"/> has a plausible length: damage to a record, rather than no record at all.</summary>
    public bool LooksLikeRecordHeader(long at, long end)
    {
        if (end - at < LogLayout.RecordHeaderSize || Ring.RoomBeforeEnd(at) < LogLayout.RecordHeaderSize
            || file.Length - Ring.Physical(at) < LogLayout.RecordHeaderSize)
            return false;
        ReadOnlySpan<byte> header = file.GetReadOnlySpan(Ring.Physical(at), LogLayout.RecordHeaderSize);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header) & (Format == LogLayout.FormatOne ? uint.MaxValue : ~LogLayout.BatchContinues);
        bool lengthChecks = Format != LogLayout.FormatOne || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == ~length;
        return length != 0 && length <= LogLayout.MaxPayload && lengthChecks && LogLayout.RecordSize((int)length) <= Math.Min(end - at, file.Length - Ring.Physical(at));
    }

    /// <summary>The payload of a record that Examine found intact.</summary>
    public ReadOnlySpan<byte> Payload(long at, int length) => file.GetReadOnlySpan(Ring.Physical(at) + LogLayout.RecordHeaderSize, length);
}
