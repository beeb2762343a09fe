using System.Buffers;
using System.CommandLine;
using System.IO;
using System.Text;
using System.Text.Json;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary><c>log info FILE [--json]</c>: format, created-by, positions, records and bytes, what lies past the end, the file and its room.</summary>
internal static class LogInfoCommand
{
    public static Command Create()
    {
        Argument<string> file = LogOptions.File();
        Option<bool> json = LogOptions.Json();
        var command = new Command("info", "Show the log's format, creator, first and last position, record count and bytes, committed end and what lies past it, file length and room.");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output, error = result.InvocationConfiguration.Error;
            using PmemLog? log = LogOpener.TryOpen(result.GetValue(file)!, error, out int code);
            if (log is null)
                return code;
            LogSummary summary = LogSummary.Of(log);
            if (result.GetValue(json))
                output.Write(Json(summary));
            else
                WriteText(output, summary);
            if (summary.DamagedAt is { } at)
            {
                LogOpener.Report(error, $"damaged at {at}: {summary.Damage}");
                return LogExitCodes.DamagedRecord;
            }
            return LogExitCodes.Ok;
        });
        return command;
    }

    internal static void WriteText(TextWriter output, LogSummary s)
    {
        void Line(string name, string value) => output.WriteLine($"{name,-13}{value}");
        Line("log", s.Path);
        Line("format", s.FormatVersion == PmemLog.FormatVersion
            ? $"{s.FormatVersion}"
            : $"{s.FormatVersion} (this library writes {PmemLog.FormatVersion}; older logs open read-only, PmemLog.Upgrade rewrites them)");
        Line("created by", s.CreatedBy);
        Line("backend", $"{s.Backend}, {(s.PersistentMemory ? "persistent memory" : "not persistent memory (msync)")}");
        Line("start", $"{s.Start}");
        Line("end", $"{s.End} (committed)");
        Line("records", s.Records == 0 && s.DamagedAt is null
            ? "none"
            : $"{s.Records}{(s.DamagedAt is null ? "" : " intact")}, {s.PayloadBytes} payload bytes, first at {Describe(s.FirstPosition)}, last at {Describe(s.LastPosition)}");
        if (s.DamagedAt is { } at)
            Line("damaged", $"at {at}: {s.Damage}");
        if (s.PastEnd is { } past)
            Line("past end", past.Bytes == 0 ? "nothing (the file ends at the committed end)"
                : past.NonZeroBytes == 0 ? $"{past.Bytes} bytes, all zero"
                : $"{past.Bytes} bytes, {past.NonZeroBytes} of them non-zero (an append written but not committed, or records cut off by Truncate)");
        Line("file", $"{s.Length} bytes, {s.FileSystemFreeBytes} bytes free on its file system to grow into");
        Line("room", s.FreeBytes is { } free
            ? $"{free} of {s.Capacity} bytes free for records (the ring's capacity less the live records; TruncateBefore frees more)"
            : "records fit until the file reaches the MaxLength its writer opened it with (a format-1 file does not record it)");
    }

    private static string Describe(long? position) => position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    /// <summary>
    /// The summary as one JSON object; property names are stable: path, formatVersion, createdBy, backend,
    /// persistentMemory, start, end, records, payloadBytes, firstPosition, lastPosition, length, fileSystemFreeBytes,
    /// capacity and freeBytes (null when the file cannot say: format 1), pastEnd {bytes, nonZeroBytes} (format 1), damage {position, error} (null when intact).
    /// </summary>
    internal static string Json(LogSummary s)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", s.Path);
            json.WriteNumber("formatVersion", s.FormatVersion);
            json.WriteString("createdBy", s.CreatedBy);
            json.WriteString("backend", s.Backend.ToString());
            json.WriteBoolean("persistentMemory", s.PersistentMemory);
            json.WriteNumber("start", s.Start);
            json.WriteNumber("end", s.End);
            json.WriteNumber("records", s.Records);
            json.WriteNumber("payloadBytes", s.PayloadBytes);
            WriteNumberOrNull(json, "firstPosition", s.FirstPosition);
            WriteNumberOrNull(json, "lastPosition", s.LastPosition);
            json.WriteNumber("length", s.Length);
            json.WriteNumber("fileSystemFreeBytes", s.FileSystemFreeBytes);
            WriteNumberOrNull(json, "capacity", s.Capacity);
            WriteNumberOrNull(json, "freeBytes", s.FreeBytes);
            if (s.PastEnd is { } past)
            {
                json.WriteStartObject("pastEnd");
                json.WriteNumber("bytes", past.Bytes);
                json.WriteNumber("nonZeroBytes", past.NonZeroBytes);
                json.WriteEndObject();
            }
            if (s.DamagedAt is { } at)
            {
                json.WriteStartObject("damage");
                json.WriteNumber("position", at);
                json.WriteString("error", s.Damage);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("damage");
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
            json.WriteNumber(name, v);
        else
            json.WriteNull(name);
    }
}
