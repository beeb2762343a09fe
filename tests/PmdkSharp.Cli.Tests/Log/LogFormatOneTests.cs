using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PmdkSharp.Cli.Log;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary>The tool on a format-1 log (written before format 2, read-only for the library now): its positions are file offsets.</summary>
public class LogFormatOneTests
{
    private static List<byte[]> Payloads(int count) => Enumerable.Range(0, count).Select(LogFiles.Payload).ToList();

    [Theory]
    [ClassData(typeof(AllDirectories))]
    public void Info_verify_and_dump_read_a_format_1_log_and_what_lies_past_its_tail(string directory)
    {
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = FormatOneLog.Write(path.Path, Payloads(7), uncommitted: LogFiles.Payload(7));
        using (var log = PmemLog.OpenExisting(path.Path, readOnly: true))
            Assert.Equal(1, log.FileFormatVersion);

        ToolRun info = ToolRun.Of("log", "info", "--json", path.Path);
        Assert.True(info.Code == LogExitCodes.Ok, info.ToString());
        using JsonDocument document = JsonDocument.Parse(info.Output);
        JsonElement root = document.RootElement;
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal(7, root.GetProperty("records").GetInt64());
        Assert.Equal(positions[6].Offset, root.GetProperty("lastPosition").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("freeBytes").ValueKind); // the file does not record its MaxLength
        Assert.True(root.TryGetProperty("pastEnd", out JsonElement past), "format 1: the bytes past the end are reported");
        Assert.Equal(root.GetProperty("length").GetInt64() - root.GetProperty("end").GetInt64(), past.GetProperty("bytes").GetInt64());
        Assert.True(past.GetProperty("nonZeroBytes").GetInt64() >= LogFiles.Payload(7).Length / 2, info.Output); // the uncommitted append
        string text = ToolRun.Of("log", "info", path.Path).Output;
        Assert.Contains($"format       1 (this library writes {PmemLog.FormatVersion};", text);
        Assert.Contains("of them non-zero (an append written but not committed", text);

        ToolRun verify = ToolRun.Of("log", "verify", path.Path);
        Assert.True(verify.Code == LogExitCodes.Ok, verify.ToString());
        Assert.StartsWith($"intact: 7 records from {positions[0]} to ", verify.Output);
        ToolRun dump = ToolRun.Of("log", "dump", "--format", "json", path.Path);
        Assert.True(dump.Code == LogExitCodes.Ok, dump.ToString());
        Assert.Equal(7, dump.OutputLines.Length);
        using (JsonDocument last = JsonDocument.Parse(dump.OutputLines[6]))
            Assert.Equal(LogFiles.Payload(6), last.RootElement.GetProperty("payload").GetBytesFromBase64());

        LogFiles.DamagePayload(path.Path, LogFiles.Payload(2));
        ToolRun damaged = ToolRun.Of("log", "verify", path.Path);
        Assert.True(damaged.Code == LogExitCodes.DamagedRecord, damaged.ToString());
        Assert.StartsWith($"damaged at {positions[2]}: ", damaged.OutputLines[0]);
        Assert.StartsWith($"intact: 2 records from {positions[0]} to {positions[2]}", damaged.OutputLines[1]);
    }

    [Fact]
    public void Follow_reads_a_format_1_log_from_its_start()
    {
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = FormatOneLog.Write(path.Path, Payloads(3));
        var output = new StringWriter();
        var error = new StringWriter();
        var follower = new LogFollower(path.Path, FromPosition.Start, new RecordPrinter(output, RecordFormat.Hex), output, error);
        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None));
        Assert.Equal(
            positions.Select((p, i) => $"{p} {LogFiles.Payload(i).Length} 0x{System.Convert.ToHexStringLower(LogFiles.Payload(i))}"),
            output.ToString().Split('\n', System.StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(error.ToString());
    }
}
