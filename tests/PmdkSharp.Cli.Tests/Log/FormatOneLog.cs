using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Text;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary>
/// Writes a format-1 log as the library wrote them before format 2 (docs/log.md describes it): the
/// library only reads that format now, so the tool's tests make one byte by byte.
/// </summary>
internal static class FormatOneLog
{
    private const ulong Magic = 0x474F4C534B444D50; // "PMDKSLOG"
    private const int DataStart = 4096;

    /// <summary>
    /// A format-1 log holding <paramref name="payloads"/> with its tail after them, then
    /// <paramref name="uncommitted"/> (an append written but never committed) past the tail. Returns each record's position.
    /// </summary>
    public static List<LogPosition> Write(string path, IReadOnlyList<byte[]> payloads, byte[]? uncommitted = null)
    {
        var positions = new List<LogPosition>();
        using var data = new MemoryStream();
        long at = DataStart;
        foreach (byte[] payload in payloads)
        {
            positions.Add(new LogPosition(at));
            at += WriteRecord(data, at, payload);
        }
        long tail = at;
        if (uncommitted is not null)
            WriteRecord(data, at, uncommitted);

        byte[] header = new byte[DataStart];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 1);   // format version
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 1);  // record format
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), DataStart);
        Encoding.ASCII.GetBytes("PmdkSharp 0.1.0", header.AsSpan(24, 32));
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(56), XxHash3.HashToUInt64(header.AsSpan(0, 56)));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(64), tail);

        long length = Math.Max(2 * DataStart, (DataStart + data.Length + DataStart - 1) / DataStart * DataStart);
        using FileStream file = File.Create(path);
        file.Write(header);
        file.Write(data.GetBuffer(), 0, (int)data.Length);
        file.SetLength(length);
        return positions;
    }

    /// <summary>Length, its complement, XxHash3-64 of the payload seeded with the position; the payload padded to 8 bytes.</summary>
    private static long WriteRecord(Stream data, long position, byte[] payload)
    {
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], ~(uint)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], XxHash3.HashToUInt64(payload, position));
        data.Write(header);
        data.Write(payload);
        long size = (16 + payload.Length + 7) & ~7L;
        data.Write(new byte[size - 16 - payload.Length]);
        return size;
    }
}
