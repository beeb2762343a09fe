using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PmdkSharp.Log;
using Xunit;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary>
/// Logs written by the library for the tool to read, and damage done to them the way a bad medium
/// would. The damage finds its bytes by content (a payload, the created-by text), not by the
/// format's offsets, so it holds for every format the log moves to.
/// </summary>
internal static class LogFiles
{
    public static PmemLogOptions Options(PmemBackendKind backend, FileMode mode = FileMode.OpenOrCreate) =>
        new() { Backend = backend, Length = 16 << 10, MaxLength = 16 << 20, Mode = mode };

    /// <summary>Record i of a test log: printable text for even i, bytes that are not for odd i.</summary>
    public static byte[] Payload(int i) => i % 2 == 0
        ? Encoding.ASCII.GetBytes($"record {i}: \"quoted\" and \\ back")
        : Enumerable.Range(0, 20 + i).Select(b => (byte)(b * 7 + i)).ToArray();

    /// <summary>Creates a log at <paramref name="path"/> holding <see cref="Payload"/>(0 .. count-1); returns each record's position.</summary>
    public static List<LogPosition> Write(string path, PmemBackendKind backend, int count)
    {
        var positions = new List<LogPosition>();
        using var log = PmemLog.Open(path, Options(backend));
        for (int i = 0; i < count; i++)
            positions.Add(log.Append(Payload(i)));
        return positions;
    }

    /// <summary>Flips one bit in the middle of the only copy of <paramref name="payload"/> in the file.</summary>
    public static void DamagePayload(string path, byte[] payload)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(payload);
        Assert.True(at >= 0, "the payload is not in the file");
        Assert.True(bytes.AsSpan(at + 1).IndexOf(payload) < 0, "the payload is in the file twice");
        FlipBit(path, at + payload.Length / 2);
    }

    /// <summary>Flips one bit of the created-by text in the header: the header's checksum no longer matches.</summary>
    public static void DamageHeader(string path)
    {
        byte[] head = new byte[4096];
        using (FileStream stream = File.OpenRead(path))
            stream.ReadExactly(head);
        int at = head.AsSpan().IndexOf("PmdkSharp "u8);
        Assert.True(at > 0, "no created-by text in the header");
        FlipBit(path, at + 2);
    }

    private static void FlipBit(string path, long offset)
    {
        using FileStream stream = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x10));
    }
}

/// <summary>pmemsharp run in this process, with its output and error captured.</summary>
internal sealed record ToolRun(int Code, string Output, string Error)
{
    public static ToolRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = PmemsharpCommandLine.Run(args, error, output);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    public string[] OutputLines => Lines(Output);

    public string[] ErrorLines => Lines(Error);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit {Code}\nstdout:\n{Output}\nstderr:\n{Error}";
}
