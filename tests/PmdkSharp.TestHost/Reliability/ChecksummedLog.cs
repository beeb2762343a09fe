using System;
using System.Buffers.Binary;
using System.Numerics;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>
/// The append-only log the crash tests write and check, shared by the child that writes it and
/// the test that checks it (the test project compiles this file too).
/// </summary>
/// <remarks>
/// Layout: a 64-byte header (magic at 0, commit offset at 8), then 8-byte aligned records of
/// <c>u32 payload length, u32 CRC-32C, u64 sequence number, payload</c>. A record is persisted
/// first, then the commit offset that covers it (an aligned 8-byte store, so it is never torn),
/// and only then acknowledged. Everything past the commit offset is an unacknowledged tail that
/// recovery ignores and the next writer overwrites. Payload length and bytes are a function of
/// the sequence number, so a checker can tell exactly what each record must contain.
/// </remarks>
public static class ChecksummedLog
{
    public const ulong Magic = 0x31474F4C4B444D50; // "PMDKLOG1"
    public const int HeaderSize = 64;
    public const int MagicOffset = 0;
    public const int CommitOffset = 8;
    public const int RecordHeaderSize = 16;
    public const int MaxPayload = 4000;

    public static int PayloadLength(long sequence) => (int)(Mix((ulong)sequence) % (MaxPayload + 1));

    public static int RecordSize(int payloadLength) => (RecordHeaderSize + payloadLength + 7) & ~7;

    public static void FillPayload(long sequence, Span<byte> payload)
    {
        ulong state = Mix((ulong)sequence ^ 0x9E3779B97F4A7C15);
        for (int i = 0; i < payload.Length; i++)
        {
            if ((i & 7) == 0)
                state = Mix(state);
            payload[i] = (byte)(state >> ((i & 7) * 8));
        }
    }

    public static uint Checksum(uint payloadLength, long sequence, ReadOnlySpan<byte> payload)
    {
        uint crc = BitOperations.Crc32C(0xFFFFFFFFu, payloadLength);
        crc = BitOperations.Crc32C(crc, (ulong)sequence);
        int i = 0;
        for (; i + 8 <= payload.Length; i += 8)
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]));
        for (; i < payload.Length; i++)
            crc = BitOperations.Crc32C(crc, payload[i]);
        return ~crc;
    }

    /// <summary>Makes a fresh (all-zero) file a log: commit offset first, then the magic that vouches for it.</summary>
    public static void Initialize(PmemFile file)
    {
        file.Write(CommitOffset, (long)HeaderSize);
        file.Persist(CommitOffset, sizeof(long));
        file.Write(MagicOffset, Magic);
        file.Persist(MagicOffset, sizeof(ulong));
    }

    /// <summary>Appends record <paramref name="sequence"/> at <paramref name="commit"/>, growing the file when needed; returns the new commit offset.</summary>
    /// <param name="file">The log.</param>
    /// <param name="commit">Where the record goes (the current commit offset).</param>
    /// <param name="sequence">The record's sequence number.</param>
    /// <param name="persist">False only for the power-cut tests' controls: stores without any persist, which a power cut must be able to lose.</param>
    public static long Append(PmemFile file, long commit, long sequence, bool persist = true)
    {
        int payloadLength = PayloadLength(sequence);
        int size = RecordSize(payloadLength);
        if (commit + size > file.Length)
            file.Grow(Math.Min(file.MaxLength, Math.Max(file.Length * 2, commit + size)));

        Span<byte> record = file.GetSpan(commit, size);
        Span<byte> payload = record.Slice(RecordHeaderSize, payloadLength);
        FillPayload(sequence, payload);
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum((uint)payloadLength, sequence, payload));
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], sequence);
        if (persist)
            file.Persist(commit, size);

        long next = commit + size;
        file.Write(CommitOffset, next); // aligned 8-byte store: the commit offset is never torn
        if (persist)
            file.Persist(CommitOffset, sizeof(long));
        return next;
    }

    /// <summary>What a recovery scan found.</summary>
    /// <param name="Commit">The commit offset (the header size for an empty log).</param>
    /// <param name="Records">Valid records up to the commit offset.</param>
    /// <param name="LastSequence">The last valid record's sequence number (0 for none).</param>
    /// <param name="Tail">What lies past the commit offset: "clean", "complete" (a whole record that was never committed) or "torn".</param>
    /// <param name="Error">Why the committed part is invalid, or null when every committed record checks out.</param>
    public sealed record ScanResult(long Commit, long Records, long LastSequence, string Tail, string? Error);

    /// <summary>
    /// Validates every record up to the commit offset: in bounds, checksum, sequence numbers
    /// 1, 2, 3, ... and payload bytes. Nothing past the commit offset is taken as valid.
    /// </summary>
    public static ScanResult Scan(PmemFile file)
    {
        if (file.Length < HeaderSize)
            return new ScanResult(HeaderSize, 0, 0, "clean", file.Length == 0 ? null : $"file of {file.Length} bytes has no header");
        ulong magic = file.Read<ulong>(MagicOffset);
        if (magic == 0)
            return new ScanResult(HeaderSize, 0, 0, "clean", null); // killed before the log was initialized
        if (magic != Magic)
            return new ScanResult(0, 0, 0, "clean", $"bad magic {magic:X16}");
        long commit = file.Read<long>(CommitOffset);
        if (commit < HeaderSize || commit > file.Length || (commit & 7) != 0)
            return new ScanResult(commit, 0, 0, "clean", $"commit offset {commit} outside [{HeaderSize}, {file.Length}] or misaligned");

        long position = HeaderSize;
        long records = 0;
        byte[] expected = new byte[MaxPayload];
        while (position < commit)
        {
            string? error = CheckRecord(file, position, commit, records + 1, expected, out int size);
            if (error is not null)
                return new ScanResult(commit, records, records, "clean", $"record {records + 1} at {position}: {error}");
            records++;
            position += size;
        }
        return new ScanResult(commit, records, records, ClassifyTail(file, commit, records + 1, expected), null);
    }

    /// <summary>Checks one record at <paramref name="position"/> that must end by <paramref name="limit"/>; null when valid.</summary>
    public static string? CheckRecord(PmemFile file, long position, long limit, long expectedSequence, byte[] scratch, out int size)
    {
        size = 0;
        if (limit - position < RecordHeaderSize)
            return $"only {limit - position} bytes left before {limit}";
        ReadOnlySpan<byte> header = file.GetReadOnlySpan(position, RecordHeaderSize);
        uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (payloadLength > MaxPayload)
            return $"payload length {payloadLength} > {MaxPayload}";
        size = RecordSize((int)payloadLength);
        if (size > limit - position)
            return $"record of {size} bytes runs past {limit}";
        ReadOnlySpan<byte> payload = file.GetReadOnlySpan(position + RecordHeaderSize, (int)payloadLength);
        if (Checksum(payloadLength, sequence, payload) != checksum)
            return "checksum mismatch";
        if (sequence != expectedSequence)
            return $"sequence {sequence}, expected {expectedSequence}";
        if (payloadLength != PayloadLength(sequence))
            return $"payload length {payloadLength}, expected {PayloadLength(sequence)}";
        Span<byte> want = scratch.AsSpan(0, (int)payloadLength);
        FillPayload(sequence, want);
        if (!payload.SequenceEqual(want))
            return "payload differs from what was written";
        return null;
    }

    private static string ClassifyTail(PmemFile file, long commit, long nextSequence, byte[] scratch)
    {
        if (CheckRecord(file, commit, file.Length, nextSequence, scratch, out _) is null)
            return "complete";
        int probe = (int)Math.Min(RecordHeaderSize + MaxPayload, file.Length - commit);
        return file.GetReadOnlySpan(commit, probe).IndexOfAnyExcept((byte)0) < 0 ? "clean" : "torn";
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCD;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53;
        x ^= x >> 33;
        return x;
    }
}
