using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using PmdkSharp;

namespace RecordLog;

/// <summary>
/// An append-only log of checksummed records in one growable PmdkSharp mapping.
/// </summary>
/// <remarks>
/// Layout: a 4 KiB header (magic, format version, commit offset), then records from offset 4096:
/// <c>[u32 payload length][u32 CRC-32C of sequence and payload][u64 sequence][payload][zero padding to 8]</c>.
/// An append writes and persists the record past the commit offset, then stores and persists the
/// new commit offset: one aligned 8-byte store, so a crash leaves either the old or the new offset,
/// never a mix. Bytes past the commit offset are an unacknowledged tail and are overwritten by the
/// next append. On open every committed record's checksum is verified.
/// </remarks>
public sealed class RecordLogFile : IDisposable
{
    public const long HeaderSize = 4096;
    private const ulong Magic = 0x31474F4C4B444D50; // "PMDKLOG1", little-endian
    private const uint FormatVersion = 1;
    private const long CommitOffsetAt = 16;
    private const int RecordHeaderSize = 16;

    private readonly PmemFile file;
    private readonly object gate = new();
    private readonly List<long> offsets = new(); // offsets[sequence] = where that record starts
    private long commitOffset;

    private RecordLogFile(PmemFile file) => this.file = file;

    public long CommitOffset { get { lock (gate) return commitOffset; } }

    public long Count { get { lock (gate) return offsets.Count; } }

    public long FileLength => file.Length;

    public PmemFile File => file;

    /// <summary>Opens (or creates) the log and verifies every committed record.</summary>
    public static RecordLogFile Open(string path, long initialLength, long maxLength)
    {
        bool exists = System.IO.File.Exists(path) && new FileInfo(path).Length > 0;
        var file = PmemFile.Open(path, new PmemFileOptions
        {
            Length = Math.Max(initialLength, HeaderSize * 2),
            MaxLength = maxLength,
            Mode = FileMode.OpenOrCreate,
            Prefault = PrefaultMode.PopulateWrite,
        });
        var log = new RecordLogFile(file);
        try
        {
            if (exists)
                log.Recover();
            else
                log.Format();
            return log;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void Format()
    {
        file.FillPersist(0, HeaderSize, 0);
        file.Write(8, FormatVersion);
        file.Write(CommitOffsetAt, HeaderSize);
        file.Persist(0, HeaderSize);
        // The magic goes last: a header without it is an unformatted file, formatted again next time.
        file.Write(0, Magic);
        file.Persist(0, sizeof(ulong));
        commitOffset = HeaderSize;
    }

    private void Recover()
    {
        if (file.Read<ulong>(0) != Magic)
        {
            Format();
            return;
        }
        if (file.Read<uint>(8) != FormatVersion)
            throw new InvalidDataException($"{file.Path}: unknown format version {file.Read<uint>(8)}.");
        long committed = file.Read<long>(CommitOffsetAt);
        if (committed < HeaderSize || committed > file.Length)
            throw new InvalidDataException($"{file.Path}: commit offset {committed} lies outside the file ({file.Length} bytes).");
        long at = HeaderSize;
        while (at < committed)
        {
            int length = file.Read<int>(at);
            uint crc = file.Read<uint>(at + 4);
            long sequence = file.Read<long>(at + 8);
            long end = at + RecordSize(length);
            if (length < 0 || end > committed || sequence != offsets.Count)
                throw new InvalidDataException($"{file.Path}: record {offsets.Count} at {at} is malformed (length {length}, sequence {sequence}).");
            if (Checksum(sequence, file.GetReadOnlySpan(at + RecordHeaderSize, length)) != crc)
                throw new InvalidDataException($"{file.Path}: record {sequence} at {at} fails its checksum.");
            offsets.Add(at);
            at = end;
        }
        commitOffset = committed;
    }

    /// <summary>Appends a record and returns its sequence number once it and the commit offset are durable.</summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        lock (gate)
        {
            long sequence = offsets.Count;
            long at = commitOffset;
            long end = at + RecordSize(payload.Length);
            EnsureLength(end);

            file.Write(at, payload.Length);
            file.Write(at + 4, Checksum(sequence, payload));
            file.Write(at + 8, sequence);
            file.Write(at + RecordHeaderSize, payload);
            long padded = end - (at + RecordHeaderSize + payload.Length);
            if (padded > 0)
                file.GetSpan(at + RecordHeaderSize + payload.Length, (int)padded).Clear();
            file.Persist(at, end - at);

            // The commit point: one aligned 8-byte store, then persist it.
            file.Write(CommitOffsetAt, end);
            file.Persist(CommitOffsetAt, sizeof(long));
            commitOffset = end;
            offsets.Add(at);
            return sequence;
        }
    }

    /// <summary>The payload of a committed record, or null when there is no such record.</summary>
    public byte[]? Read(long sequence)
    {
        lock (gate)
        {
            if (sequence < 0 || sequence >= offsets.Count)
                return null;
            long at = offsets[(int)sequence];
            int length = file.Read<int>(at);
            byte[] payload = file.GetReadOnlySpan(at + RecordHeaderSize, length).ToArray();
            if (Checksum(sequence, payload) != file.Read<uint>(at + 4))
                throw new InvalidDataException($"{file.Path}: record {sequence} fails its checksum.");
            return payload;
        }
    }

    /// <summary>Grows the mapping (doubling, within MaxLength) until <paramref name="end"/> fits.</summary>
    private void EnsureLength(long end)
    {
        long length = file.Length;
        if (end <= length)
            return;
        long target = length;
        while (target < end)
            target = Math.Min(target * 2, file.MaxLength);
        if (target < end)
            throw new PmemOutOfSpaceException($"{file.Path}: the log is full ({file.MaxLength} bytes); a {end - commitOffset}-byte record does not fit.");
        file.Grow(target);
    }

    private static long RecordSize(int payloadLength) => (RecordHeaderSize + (long)payloadLength + 7) & ~7L;

    private static uint Checksum(long sequence, ReadOnlySpan<byte> payload)
    {
        uint crc = BitOperations.Crc32C(0xFFFFFFFFu, (ulong)sequence);
        int i = 0;
        for (; i + 8 <= payload.Length; i += 8)
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]));
        for (; i < payload.Length; i++)
            crc = BitOperations.Crc32C(crc, payload[i]);
        return ~crc;
    }

    public void Dispose() => file.Dispose();
}
