using System;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Reflection;
using System.Text;

namespace PmdkSharp.Log;

/// <summary>
/// The on-file format of <see cref="PmemLog"/> (docs/log.md has the tables): a 4 KiB header page,
/// then 8-byte aligned records up to the committed tail.
/// </summary>
internal static class LogLayout
{
    /// <summary>"PMDKSLOG" read as a little-endian u64.</summary>
    public const ulong Magic = 0x474F4C534B444D50;
    public const uint FormatVersion = 1;

    /// <summary>Record format 1: a 16-byte record header, XxHash3-64 of the payload seeded with the record's offset, 8-byte alignment.</summary>
    public const uint RecordFormat = 1;

    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int RecordFormatOffset = 12;
    public const int DataStartOffset = 16;
    public const int CreatedByOffset = 24;
    public const int CreatedByLength = 32;
    public const int HeaderChecksumOffset = 56;

    /// <summary>The committed tail: an aligned 8-byte word on its own cache line, so that one store commits it atomically.</summary>
    public const int TailOffset = 64;

    /// <summary>Everything past the tail word is zero in a header; an interrupted creation leaves zeros from here on.</summary>
    public const int HeaderUsedLength = TailOffset + sizeof(long);

    /// <summary>The header is one page, so a record persist never msyncs the page holding the tail.</summary>
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
    /// XxHash3-64 of the payload, seeded with the record's offset: a record copied or left over
    /// from another offset never passes as the record that belongs there.
    /// </summary>
    public static ulong Checksum(long position, ReadOnlySpan<byte> payload) => XxHash3.HashToUInt64(payload, position);

    /// <summary>Writes a record header: payload length, its complement (a cheap length check), checksum.</summary>
    public static void WriteRecordHeader(Span<byte> header, long position, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], ~(uint)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], Checksum(position, payload));
    }

    public static string CreatedBy { get; } = DescribeCreator();

    /// <summary>Writes a fresh header: every field but the magic, which <see cref="PmemLog"/> stores and persists last.</summary>
    public static void WriteHeaderWithoutMagic(Span<byte> header)
    {
        header[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header[VersionOffset..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[RecordFormatOffset..], RecordFormat);
        BinaryPrimitives.WriteInt64LittleEndian(header[DataStartOffset..], DataStart);
        Encoding.ASCII.GetBytes(CreatedBy, header.Slice(CreatedByOffset, CreatedByLength));
        BinaryPrimitives.WriteUInt64LittleEndian(header[HeaderChecksumOffset..], HeaderChecksum(header, Magic));
        BinaryPrimitives.WriteInt64LittleEndian(header[TailOffset..], DataStart);
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
