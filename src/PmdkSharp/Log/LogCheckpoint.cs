using System;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace PmdkSharp.Log;

/// <summary>
/// Format 2's mutable state, written as a whole: where the live records start, a hint of where
/// they end, the generation that appends write, and the ring's capacity. Two slots on their own
/// cache lines take turns (slot = sequence mod 2); each carries a sequence number and a checksum,
/// so a torn write leaves the other slot, the previous state, in force. One checkpoint is one
/// persist of one slot: the only header write a log makes, and never on the append path.
/// </summary>
/// <param name="Sequence">Counts checkpoints; the valid slot with the higher one is current.</param>
/// <param name="Start">The first live record's position (records before it were dropped).</param>
/// <param name="Hint">
/// A position no later than the end of the durable records: every record in [Start, Hint) is
/// committed. Recovery reads forward from it while records of <paramref name="Generation"/> validate.
/// </param>
/// <param name="Generation">What appends after this checkpoint write into their records; bumped by every writable open and every <see cref="PmemLog.Truncate"/>.</param>
/// <param name="Capacity">The record area's size in bytes: positions wrap around it.</param>
internal readonly record struct LogCheckpoint(ulong Sequence, long Start, long Hint, ulong Generation, long Capacity)
{
    private const int ChecksumOffset = 40;
    public const int Size = ChecksumOffset + sizeof(ulong);

    public static int SlotOffset(ulong sequence) => LogLayout.CheckpointOffset + (int)(sequence & 1) * LogLayout.CheckpointStride;

    public void WriteTo(Span<byte> slot)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(slot, Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], Start);
        BinaryPrimitives.WriteInt64LittleEndian(slot[16..], Hint);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[24..], Generation);
        BinaryPrimitives.WriteInt64LittleEndian(slot[32..], Capacity);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[ChecksumOffset..], XxHash3.HashToUInt64(slot[..ChecksumOffset]));
    }

    /// <summary>The current checkpoint of a format-2 header: the valid slot with the higher sequence, or null when neither is valid.</summary>
    public static LogCheckpoint? ReadCurrent(ReadOnlySpan<byte> header)
    {
        LogCheckpoint? a = TryRead(header.Slice(LogLayout.CheckpointOffset, Size));
        LogCheckpoint? b = TryRead(header.Slice(LogLayout.CheckpointOffset + LogLayout.CheckpointStride, Size));
        if (a is null)
            return b;
        if (b is null)
            return a;
        return a.Value.Sequence > b.Value.Sequence ? a : b;
    }

    private static LogCheckpoint? TryRead(ReadOnlySpan<byte> slot)
    {
        ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(slot);
        if (sequence == 0 || BinaryPrimitives.ReadUInt64LittleEndian(slot[ChecksumOffset..]) != XxHash3.HashToUInt64(slot[..ChecksumOffset]))
            return null;
        return new LogCheckpoint(
            sequence,
            BinaryPrimitives.ReadInt64LittleEndian(slot[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(slot[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(slot[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(slot[32..]));
    }

    /// <summary>What is wrong with this checkpoint for a file of <paramref name="fileLength"/> bytes, or null.</summary>
    public string? Problem(long fileLength)
    {
        if (Capacity < LogLayout.MinimumLength - LogLayout.DataStart || (Capacity & (LogLayout.Alignment - 1)) != 0)
            return $"a ring capacity of {Capacity} bytes";
        if (Start < LogLayout.DataStart || Hint < Start || ((Start | Hint) & (LogLayout.Alignment - 1)) != 0)
            return $"start {Start} and hint {Hint} (not 8-byte aligned positions from {LogLayout.DataStart} with start <= hint)";
        if (Hint - Start > Capacity)
            return $"start {Start} and hint {Hint} further apart than the ring's capacity ({Capacity})";
        if (new LogRing(Capacity).Physical(Hint) > fileLength)
            return $"a hint of {Hint} (file offset {new LogRing(Capacity).Physical(Hint)}) beyond the file's {fileLength} bytes";
        return null;
    }
}
