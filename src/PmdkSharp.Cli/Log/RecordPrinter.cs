using System;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>How <c>log dump</c> and <c>log follow</c> print a record's payload.</summary>
internal enum RecordFormat
{
    /// <summary><c>POSITION LENGTH "text"</c> when every byte is printable ASCII, else <c>POSITION LENGTH 0xHEX</c>.</summary>
    Text,

    /// <summary><c>POSITION LENGTH 0xHEX</c> always.</summary>
    Hex,

    /// <summary>One JSON object a line: <c>{"position":P,"next":N,"length":L,"payload":"BASE64"}</c>.</summary>
    Json,
}

/// <summary>
/// Prints records one line each, straight from the mapping into one fixed buffer: nothing is
/// allocated per record, so a dump of any size runs in constant memory, and a large payload is
/// written in slices.
/// </summary>
internal sealed class RecordPrinter(TextWriter output, RecordFormat format)
{
    // 3 * 1024 bytes a slice: a multiple of 3, so base64 slices join without padding in between.
    private const int SliceBytes = 3 * 1024;
    private readonly char[] buffer = new char[2 * SliceBytes + 64];

    public void Print(LogRecord record)
    {
        ReadOnlySpan<byte> payload = record.Payload;
        if (format == RecordFormat.Json)
        {
            Write("{\"position\":");
            Write(record.Position.Offset);
            Write(",\"next\":");
            Write(record.Next.Offset);
            Write(",\"length\":");
            Write(payload.Length);
            Write(",\"payload\":\"");
            WriteBase64(payload);
            output.Write("\"}\n");
            return;
        }
        Write(record.Position.Offset);
        output.Write(' ');
        Write(payload.Length);
        output.Write(' ');
        if (format == RecordFormat.Text && IsPrintable(payload))
            WriteQuoted(payload);
        else
            WriteHex(payload);
        output.Write('\n');
    }

    /// <summary>Printable ASCII only: anything else (UTF-8 included) is shown as hex, so a line is never ambiguous.</summary>
    internal static bool IsPrintable(ReadOnlySpan<byte> payload)
    {
        foreach (byte b in payload)
        {
            if (b is < 0x20 or > 0x7E)
                return false;
        }
        return true;
    }

    private void Write(string text) => output.Write(text);

    private void Write(long value)
    {
        value.TryFormat(buffer, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Write(buffer.AsSpan(0, written));
    }

    private void WriteQuoted(ReadOnlySpan<byte> payload)
    {
        output.Write('"');
        int n = 0;
        foreach (byte b in payload)
        {
            if (n >= buffer.Length - 2)
            {
                output.Write(buffer.AsSpan(0, n));
                n = 0;
            }
            if (b is (byte)'"' or (byte)'\\')
                buffer[n++] = '\\';
            buffer[n++] = (char)b;
        }
        output.Write(buffer.AsSpan(0, n));
        output.Write('"');
    }

    private void WriteHex(ReadOnlySpan<byte> payload)
    {
        output.Write("0x");
        for (int at = 0; at < payload.Length; at += SliceBytes)
        {
            ReadOnlySpan<byte> slice = payload.Slice(at, Math.Min(SliceBytes, payload.Length - at));
            Convert.TryToHexStringLower(slice, buffer, out int written);
            output.Write(buffer.AsSpan(0, written));
        }
    }

    private void WriteBase64(ReadOnlySpan<byte> payload)
    {
        for (int at = 0; at < payload.Length; at += SliceBytes)
        {
            ReadOnlySpan<byte> slice = payload.Slice(at, Math.Min(SliceBytes, payload.Length - at));
            Convert.TryToBase64Chars(slice, buffer, out int written);
            output.Write(buffer.AsSpan(0, written));
        }
    }
}
