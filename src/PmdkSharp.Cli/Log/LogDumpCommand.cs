using System;
using System.CommandLine;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary><c>log dump FILE [--from POS] [--count N] [--format text|hex|json]</c>: one line per record, streamed.</summary>
internal static class LogDumpCommand
{
    public static Command Create()
    {
        Argument<string> file = LogOptions.File();
        Option<FromPosition?> from = LogOptions.From("start");
        var count = new Option<long?>("--count") { Description = "Print at most this many records", HelpName = "N" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is < 0)
                r.AddError("--count: must not be negative");
        });
        Option<RecordFormat> format = LogOptions.Format();
        var command = new Command("dump", "Print the committed records, one line each (position, length, payload), in constant memory for any size.");
        command.Arguments.Add(file);
        command.Options.Add(from);
        command.Options.Add(count);
        command.Options.Add(format);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output, error = result.InvocationConfiguration.Error;
            using PmemLog? log = LogOpener.TryOpen(result.GetValue(file)!, error, out int code);
            if (log is null)
                return code;
            return Dump(log, result.GetValue(from) ?? FromPosition.Start, result.GetValue(count) ?? long.MaxValue,
                new RecordPrinter(output, result.GetValue(format)), error);
        });
        return command;
    }

    internal static int Dump(PmemLog log, FromPosition from, long count, RecordPrinter printer, TextWriter error)
    {
        LogPosition position = from.Resolve(log);
        long printed = 0;
        try
        {
            if (count == 0)
                return LogExitCodes.Ok;
            foreach (LogRecord record in log.ReadFrom(position))
            {
                printer.Print(record);
                if (++printed == count)
                    break;
            }
            return LogExitCodes.Ok;
        }
        catch (ArgumentOutOfRangeException e)
        {
            LogOpener.Report(error, $"--from {from}: {FirstLine(e.Message)}");
            return LogExitCodes.Usage;
        }
        catch (PmemLogCorruptException e)
        {
            LogOpener.Report(error, $"damaged at {e.Position} after {printed} records: {e.Message}");
            return LogExitCodes.DamagedRecord;
        }
    }

    /// <summary>An ArgumentException's message without what .NET appends to it (" (Parameter 'position')", "Actual value was ...").</summary>
    internal static string FirstLine(string message)
    {
        string line = message.Split('\n')[0].TrimEnd('\r');
        int parameter = line.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter < 0 ? line : line[..parameter];
    }
}
