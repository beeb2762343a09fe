using System;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Reflection;
using System.Text;

namespace PmdkSharp.Log;

/// <summary>
/// The on-file format of <see cref="PmemLog"/> (docs/log.md has the tables): a 4 KiB header page,
/// then 8-byte aligned records. Format 2 (written since): records that prove themselves, the log's
/// state in two checkpoint slots, a record area used as a ring. Format 1 (read-only): a committed
/// tail word persisted after every append.
/// </summary>
internal static class LogLayout
{
    /// <summary>"PMDKSLOG" read as a little-endian u64.</summary>
    public const ulong Magic = 0x474F4C534B444D50;
    public const uint FormatVersion = 2;

    /// <summary>Record format 2: length, generation, XxHash3-64 of the payload seeded with position and generation.</summary>
    public const uint RecordFormat = 2;

    public const uint FormatOne = 1;

    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int RecordFormatOffset = 12;
    public const int DataStartOffset = 16;
    public const int CreatedByOffset = 24;
    public const int CreatedByLength = 32;
    public const int HeaderChecksumOffset = 56;

    /// <summary>Format 1's committed tail: an aligned 8-byte word on its own cache line.</summary>
    public const int TailOffset = 64;

    /// <summary>Format 2's two checkpoint slots, each on its own cache line (see <see cref="LogCheckpoint"/>).</summary>
    public const int CheckpointOffset = 128;
    public const int CheckpointStride = 64;

    /// <summary>Everything past this is zero in a header; an interrupted creation leaves zeros from here on.</summary>
    public static int HeaderUsedLength(uint version) => version == FormatOne ? TailOffset + sizeof(long) : CheckpointOffset + 2 * CheckpointStride;

    /// <summary>The header is one page, so a record persist never msyncs the page holding the log's state.</summary>
    public const int HeaderSize = 4096;
    public const long DataStart = HeaderSize;

    public const int RecordHeaderSize = 16;
    public const int Alignment = 8;

    /// <summary>The smallest file a log is created with: the header page and one page of records.</summary>
    public const long MinimumLength = 2 * HeaderSize;

    /// <summary>The largest payload a record can have: its size must fit an int.</summary>
    public const int MaxPayload = int.MaxValue - RecordHeaderSize - Alignment;

    public static long RecordSize(int payloadLength) => (RecordHeaderSize + (long)payloadLength + Alignment - 1) & ~(long)(Alignment - 1);

    /// <summary>
    /// Format 2's checksum: XxHash3-64 of the payload, seeded with the record's position and the
    /// log generation that wrote it. A record left over from another position (an earlier lap of
    /// the ring) or another generation (before a truncation or a crash) never passes as the record
    /// that belongs here.
    /// </summary>
    public static ulong Checksum(long position, ulong generation, uint lengthField, ReadOnlySpan<byte> payload) =>
        XxHash3.HashToUInt64(payload, position ^ (long)(generation * 0x9E3779B97F4A7C15UL) ^ ((long)lengthField << 32));

    /// <summary>
    /// Bit 31 of a format-2 length field: more records of the same batch follow. Recovery takes a
    /// batch only up to a record without it, so a batch is all or nothing.
    /// </summary>
    public const uint BatchContinues = 1u << 31;

    /// <summary>Format 1's checksum: XxHash3-64 of the payload seeded with the record's offset.</summary>
    public static ulong ChecksumFormatOne(long position, ReadOnlySpan<byte> payload) => XxHash3.HashToUInt64(payload, position);

    /// <summary>Writes a format-2 record header: payload length (with <see cref="BatchContinues"/>), the generation's low 32 bits, checksum.</summary>
    public static void WriteRecordHeader(Span<byte> header, long position, ulong generation, ReadOnlySpan<byte> payload, bool batchContinues)
    {
        uint lengthField = (uint)payload.Length | (batchContinues ? BatchContinues : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header, lengthField);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)generation);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], Checksum(position, generation, lengthField, payload));
    }

    public static string CreatedBy { get; } = DescribeCreator();

    /// <summary>Writes a fresh format-2 header: every field but the magic, which <see cref="PmemLog"/> stores and persists last.</summary>
    public static void WriteHeaderWithoutMagic(Span<byte> header)
    {
        header[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header[VersionOffset..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[RecordFormatOffset..], RecordFormat);
        BinaryPrimitives.WriteInt64LittleEndian(header[DataStartOffset..], DataStart);
        Encoding.ASCII.GetBytes(CreatedBy, header.Slice(CreatedByOffset, CreatedByLength));
        BinaryPrimitives.WriteUInt64LittleEndian(header[HeaderChecksumOffset..], HeaderChecksum(header, Magic));
    }

    /// <summary>XxHash3-64 of the header fields [0, 56), with <paramref name="magic"/> in place of the magic field.</summary>
    public static ulong HeaderChecksum(ReadOnlySpan<byte> header, ulong magic)
    {
        Span<byte> fields = stackalloc byte[HeaderChecksumOffset];
        header[..HeaderChecksumOffset].CopyTo(fields);
        BinaryPrimitives.WriteUInt64LittleEndian(fields, magic);
        return XxHash3.HashToUInt64(fields);
    }

    public static string ReadCreatedBy(ReadOnlySpan<byte> header)
    {
        ReadOnlySpan<byte> field = header.Slice(CreatedByOffset, CreatedByLength);
        int end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }

    private static string DescribeCreator()
    {
        Assembly assembly = typeof(LogLayout).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "?";
        int plus = version.IndexOf('+');
        string text = $"PmdkSharp {(plus < 0 ? version : version[..plus])}";
        return text.Length <= CreatedByLength ? text : text[..CreatedByLength];
    }
}
