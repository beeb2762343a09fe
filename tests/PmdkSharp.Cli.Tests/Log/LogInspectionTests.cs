using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PmdkSharp.Cli.Log;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary><c>pmemsharp log info|verify|dump</c> on logs the library wrote on each backend: what they print and how they exit.</summary>
public class LogInspectionTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Info_reports_the_header_the_records_and_the_room(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 10);
        long payloadBytes = Enumerable.Range(0, 10).Sum(i => LogFiles.Payload(i).Length);
        LogPosition start, end;
        long length;
        using (var log = PmemLog.OpenExisting(path.Path, readOnly: true))
            (start, end, length) = (log.Start, log.End, log.Length);

        ToolRun text = ToolRun.Of("log", "info", path.Path);
        Assert.True(text.Code == LogExitCodes.Ok, text.ToString());
        Assert.Contains($"format       {PmemLog.FormatVersion}", text.Output);
        Assert.Contains("created by   PmdkSharp ", text.Output);
        Assert.Contains($"end          {end} (committed)", text.Output);
        Assert.Contains($"records      10, {payloadBytes} payload bytes, first at {positions[0]}, last at {positions[9]}", text.Output);
        Assert.Contains($"file         {length} bytes, ", text.Output);
        Assert.Empty(text.Error);

        ToolRun json = ToolRun.Of("log", "info", "--json", path.Path);
        Assert.True(json.Code == LogExitCodes.Ok, json.ToString());
        using JsonDocument document = JsonDocument.Parse(json.Output);
        JsonElement root = document.RootElement;
        Assert.Equal(path.Path, root.GetProperty("path").GetString());
        Assert.Equal(PmemLog.FormatVersion, root.GetProperty("formatVersion").GetInt32());
        Assert.StartsWith("PmdkSharp ", root.GetProperty("createdBy").GetString());
        Assert.Equal(start.Offset, root.GetProperty("start").GetInt64());
        Assert.Equal(end.Offset, root.GetProperty("end").GetInt64());
        Assert.Equal(10, root.GetProperty("records").GetInt64());
        Assert.Equal(payloadBytes, root.GetProperty("payloadBytes").GetInt64());
        Assert.Equal(positions[0].Offset, root.GetProperty("firstPosition").GetInt64());
        Assert.Equal(positions[9].Offset, root.GetProperty("lastPosition").GetInt64());
        Assert.Equal(length, root.GetProperty("length").GetInt64());
        Assert.Equal(new DriveInfo(directory).AvailableFreeSpace, root.GetProperty("fileSystemFreeBytes").GetInt64(), 64L << 20);
        Assert.True(root.GetProperty("freeBytes").ValueKind == JsonValueKind.Null || root.GetProperty("freeBytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("damage").ValueKind);
        if (root.TryGetProperty("pastEnd", out JsonElement past))
        {
            Assert.Equal(length - end.Offset, past.GetProperty("bytes").GetInt64());
            Assert.Equal(0, past.GetProperty("nonZeroBytes").GetInt64()); // nothing was written past the committed end
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Info_counts_only_the_records_below_the_end_and_on_format_1_finds_the_bytes_left_past_it(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 6);
        using (var log = PmemLog.Open(path.Path, LogFiles.Options(backend, FileMode.Open)))
            log.Truncate(positions[4]); // records 4 and 5 stay in the file, past the committed end
        long cut = LogFiles.Payload(4).Length + LogFiles.Payload(5).Length;

        ToolRun run = ToolRun.Of("log", "info", "--json", path.Path);
        Assert.True(run.Code == LogExitCodes.Ok, run.ToString());
        using JsonDocument document = JsonDocument.Parse(run.Output);
        Assert.Equal(4, document.RootElement.GetProperty("records").GetInt64());
        if (document.RootElement.GetProperty("formatVersion").GetInt32() != 1)
        {
            // A ring's bytes past the end are earlier laps or cut records that never validate: not reported; its room is.
            Assert.False(document.RootElement.TryGetProperty("pastEnd", out _));
            Assert.True(document.RootElement.GetProperty("freeBytes").GetInt64() > 0);
            Assert.True(document.RootElement.GetProperty("capacity").GetInt64() >= document.RootElement.GetProperty("freeBytes").GetInt64());
            return;
        }
        JsonElement past = document.RootElement.GetProperty("pastEnd");
        Assert.True(past.GetProperty("nonZeroBytes").GetInt64() >= cut / 2, run.Output);
        Assert.Contains("of them non-zero", ToolRun.Of("log", "info", path.Path).Output);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Verify_exits_0_on_an_intact_log_and_3_at_the_first_damaged_record(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 8);

        ToolRun intact = ToolRun.Of("log", "verify", path.Path);
        Assert.True(intact.Code == LogExitCodes.Ok, intact.ToString());
        Assert.StartsWith("intact: 8 records from ", Assert.Single(intact.OutputLines));

        LogFiles.DamagePayload(path.Path, LogFiles.Payload(5));
        ToolRun damaged = ToolRun.Of("log", "verify", path.Path);
        Assert.True(damaged.Code == LogExitCodes.DamagedRecord, damaged.ToString());
        Assert.Equal(3, LogExitCodes.DamagedRecord);
        Assert.StartsWith($"damaged at {positions[5]}: ", damaged.OutputLines[0]);
        Assert.Contains("checksum", damaged.OutputLines[0]);
        Assert.StartsWith($"intact: 5 records from {positions[0]} to {positions[5]}", damaged.OutputLines[1]);

        ToolRun info = ToolRun.Of("log", "info", path.Path);
        Assert.True(info.Code == LogExitCodes.DamagedRecord, info.ToString());
        Assert.Contains($"records      5 intact,", info.Output);
        Assert.Contains($"damaged      at {positions[5]}: ", info.Output);
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Dump_prints_one_line_per_record_as_text_hex_or_json(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 6);

        ToolRun text = ToolRun.Of("log", "dump", path.Path);
        Assert.True(text.Code == LogExitCodes.Ok, text.ToString());
        Assert.Equal(6, text.OutputLines.Length);
        Assert.Equal($"{positions[0]} {LogFiles.Payload(0).Length} \"record 0: \\\"quoted\\\" and \\\\ back\"", text.OutputLines[0]);
        Assert.Equal($"{positions[1]} {LogFiles.Payload(1).Length} 0x{Convert.ToHexStringLower(LogFiles.Payload(1))}", text.OutputLines[1]);

        ToolRun hex = ToolRun.Of("log", "dump", "--format", "hex", "--from", positions[2].ToString(), "--count", "2", path.Path);
        Assert.True(hex.Code == LogExitCodes.Ok, hex.ToString());
        Assert.Equal(
            [$"{positions[2]} {LogFiles.Payload(2).Length} 0x{Convert.ToHexStringLower(LogFiles.Payload(2))}",
             $"{positions[3]} {LogFiles.Payload(3).Length} 0x{Convert.ToHexStringLower(LogFiles.Payload(3))}"],
            hex.OutputLines);

        ToolRun json = ToolRun.Of("log", "dump", "--format", "json", path.Path);
        Assert.True(json.Code == LogExitCodes.Ok, json.ToString());
        Assert.Equal(6, json.OutputLines.Length);
        for (int i = 0; i < 6; i++)
        {
            using JsonDocument line = JsonDocument.Parse(json.OutputLines[i]);
            Assert.Equal(positions[i].Offset, line.RootElement.GetProperty("position").GetInt64());
            Assert.Equal(i < 5 ? positions[i + 1].Offset : line.RootElement.GetProperty("next").GetInt64(), line.RootElement.GetProperty("next").GetInt64());
            Assert.Equal(LogFiles.Payload(i), line.RootElement.GetProperty("payload").GetBytesFromBase64());
            Assert.Equal(LogFiles.Payload(i).Length, line.RootElement.GetProperty("length").GetInt32());
        }

        ToolRun fromEnd = ToolRun.Of("log", "dump", "--from", "end", path.Path);
        Assert.True(fromEnd.Code == LogExitCodes.Ok && fromEnd.Output.Length == 0, fromEnd.ToString());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Dump_prints_the_records_before_a_damaged_one_then_exits_3(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 6);
        LogFiles.DamagePayload(path.Path, LogFiles.Payload(3));

        ToolRun run = ToolRun.Of("log", "dump", path.Path);
        Assert.True(run.Code == LogExitCodes.DamagedRecord, run.ToString());
        Assert.Equal(3, run.OutputLines.Length);
        Assert.StartsWith($"pmemsharp: damaged at {positions[3]} after 3 records: ", Assert.Single(run.ErrorLines));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Dump_from_a_position_where_no_record_starts_is_a_usage_error(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        List<LogPosition> positions = LogFiles.Write(path.Path, backend, 3);

        ToolRun run = ToolRun.Of("log", "dump", "--from", (positions[1].Offset + 8).ToString(), path.Path);
        Assert.True(run.Code == LogExitCodes.Usage, run.ToString());
        Assert.StartsWith($"pmemsharp: --from {positions[1].Offset + 8}: ", Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);

        ToolRun notANumber = ToolRun.Of("log", "dump", "--from", "middle", path.Path);
        Assert.Equal(LogExitCodes.Usage, notANumber.Code);
        Assert.Equal(["pmemsharp: --from: 'middle' is not a position (a record's position as dump prints it, 'start' or 'end')"], notANumber.ErrorLines);
        Assert.Equal(LogExitCodes.Usage, ToolRun.Of("log", "dump", "--format", "yaml", path.Path).Code);
        Assert.Equal(LogExitCodes.Usage, ToolRun.Of("log", "dump", "--count", "-1", path.Path).Code);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Dump_streams_without_allocating_per_record(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        const int records = 20_000;
        using (var writer = PmemLog.Open(path.Path, LogFiles.Options(backend)))
        {
            var batch = new ReadOnlyMemory<byte>[1000]; // batches: one msync each on a disk, not 20 000
            for (int i = 0; i < batch.Length; i++)
                batch[i] = LogFiles.Payload(i % 50);
            for (int i = 0; i < records / batch.Length; i++)
                writer.AppendBatch(batch);
        }
        using var log = PmemLog.OpenExisting(path.Path, readOnly: true);
        using var sink = new StreamWriter(Stream.Null);
        foreach (RecordFormat format in Enum.GetValues<RecordFormat>())
        {
            var printer = new RecordPrinter(sink, format);
            LogDumpCommand.Dump(log, FromPosition.Start, 100, printer, TextWriter.Null); // first calls, JIT and pools warmed
            long before = GC.GetAllocatedBytesForCurrentThread();
            int code = LogDumpCommand.Dump(log, FromPosition.Start, long.MaxValue, printer, TextWriter.Null);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(LogExitCodes.Ok, code);
            // A dump that kept records, or built a string per line, would allocate well over a byte a record.
            Assert.True(allocated < records, $"{format}: dumping {records} records allocated {allocated} bytes");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_ring_that_wrapped_is_read_by_position_past_the_files_length(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        var live = new List<(LogPosition Position, byte[] Payload)>();
        long length;
        using (var log = PmemLog.Open(path.Path, new PmemLogOptions { Backend = backend, Length = 16 << 10, MaxLength = 64 << 10 }))
        {
            // Three laps of a 64 KiB ring, the consumed head dropped as it goes.
            for (int i = 0; log.End.Offset < 3 * log.Capacity; i++)
            {
                byte[] payload = System.Text.Encoding.ASCII.GetBytes($"lap record {i} " + new string('r', 900));
                live.Add((log.Append(payload), payload));
                LogPosition kept = log.KeepLast(16 << 10);
                live.RemoveAll(r => r.Position < kept);
            }
            length = log.Length;
            Assert.True(log.End.Offset > length, $"the ring did not wrap: end {log.End}, file {length} bytes");
        }

        ToolRun dump = ToolRun.Of("log", "dump", "--format", "json", path.Path);
        Assert.True(dump.Code == LogExitCodes.Ok, dump.ToString());
        Assert.Equal(live.Count, dump.OutputLines.Length);
        for (int i = 0; i < live.Count; i++)
        {
            using JsonDocument line = JsonDocument.Parse(dump.OutputLines[i]);
            Assert.Equal(live[i].Position.Offset, line.RootElement.GetProperty("position").GetInt64());
            Assert.Equal(live[i].Payload, line.RootElement.GetProperty("payload").GetBytesFromBase64());
        }
        ToolRun verify = ToolRun.Of("log", "verify", path.Path);
        Assert.True(verify.Code == LogExitCodes.Ok, verify.ToString());
        Assert.StartsWith($"intact: {live.Count} records from {live[0].Position} to ", verify.Output);

        ToolRun info = ToolRun.Of("log", "info", "--json", path.Path);
        Assert.True(info.Code == LogExitCodes.Ok, info.ToString());
        using JsonDocument document = JsonDocument.Parse(info.Output);
        Assert.Equal(live.Count, document.RootElement.GetProperty("records").GetInt64());
        Assert.Equal(live[0].Position.Offset, document.RootElement.GetProperty("firstPosition").GetInt64());
        Assert.Equal(live[^1].Position.Offset, document.RootElement.GetProperty("lastPosition").GetInt64());
        Assert.Equal(length, document.RootElement.GetProperty("length").GetInt64());
        Assert.False(document.RootElement.TryGetProperty("pastEnd", out _)); // no file offsets from positions in a ring
        long capacity = document.RootElement.GetProperty("capacity").GetInt64();
        long end = document.RootElement.GetProperty("end").GetInt64(), start = document.RootElement.GetProperty("start").GetInt64();
        Assert.Equal(capacity - (end - start), document.RootElement.GetProperty("freeBytes").GetInt64());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_empty_log_has_no_records_and_is_intact(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        LogFiles.Write(path.Path, backend, 0);

        ToolRun info = ToolRun.Of("log", "info", path.Path);
        Assert.True(info.Code == LogExitCodes.Ok, info.ToString());
        Assert.Contains("records      none", info.Output);
        ToolRun verify = ToolRun.Of("log", "verify", path.Path);
        Assert.True(verify.Code == LogExitCodes.Ok, verify.ToString());
        Assert.StartsWith("intact: 0 records", verify.Output);
        ToolRun dump = ToolRun.Of("log", "dump", path.Path);
        Assert.True(dump.Code == LogExitCodes.Ok && dump.Output.Length == 0 && dump.Error.Length == 0, dump.ToString());
    }
}
