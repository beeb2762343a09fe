using System;
using System.CommandLine;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Threading;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary><c>log follow FILE [--from POS] [--format ...]</c>: prints records as another process commits them, like <c>tail -f</c>.</summary>
internal static class LogFollowCommand
{
    /// <summary>How often the log is reopened to look for new records.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(150);

    public static Command Create()
    {
        Argument<string> file = LogOptions.File();
        Option<FromPosition?> from = LogOptions.From("end (only records committed from now on)");
        Option<RecordFormat> format = LogOptions.Format();
        var command = new Command("follow",
            $"Print records as they are committed, until Ctrl+C (exit 0) or until the log is truncated below the reader (exit {LogExitCodes.TruncatedBelowReader}).");
        command.Arguments.Add(file);
        command.Options.Add(from);
        command.Options.Add(format);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output, error = result.InvocationConfiguration.Error;
            using var stop = new CancellationTokenSource();
            // Ctrl+C and SIGTERM end the loop between polls (or records); the process then exits with the loop's code.
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var follower = new LogFollower(result.GetValue(file)!, result.GetValue(from) ?? FromPosition.End,
                new RecordPrinter(output, result.GetValue(format)), output, error);
            return follower.Run(PollInterval, stop.Token);

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return command;
    }
}

/// <summary>
/// The polling loop behind <c>log follow</c>. Each round reopens the log read-only (a writer in
/// another process grows the file and moves the end; a mapping taken earlier sees neither), checks
/// that nothing below the reader was taken away, prints what was committed since, and sleeps.
/// </summary>
internal sealed class LogFollower(string path, FromPosition from, RecordPrinter printer, TextWriter output, TextWriter error)
{
    private LogPosition? position;

    /// <summary>The last record printed and a hash of its payload: a truncation followed by new appends replaces it.</summary>
    private (LogPosition Position, ulong Hash)? last;

    /// <summary>Where the reader is: the position after the last record printed (null before the first open).</summary>
    public LogPosition? Position => position;

    public int Run(TimeSpan interval, CancellationToken stop)
    {
        while (true)
        {
            int code = Poll(stop);
            output.Flush();
            if (code != LogExitCodes.Ok)
                return code;
            if (stop.IsCancellationRequested || stop.WaitHandle.WaitOne(interval))
            {
                LogOpener.Report(error, $"follow stopped at {position} (resume with --from {position})");
                return LogExitCodes.Ok;
            }
        }
    }

    /// <summary>One round: Ok to go on, else the exit code (after its line on the error writer).</summary>
    internal int Poll(CancellationToken stop)
    {
        using PmemLog? log = LogOpener.TryOpen(path, error, out int code);
        if (log is null)
            return code;
        bool first = position is null;
        position ??= from.Resolve(log);
        if (!first && TruncatedBelowReader(log) is { } why)
        {
            LogOpener.Report(error, $"the log was truncated below the reader at {position}: {why}. Stopped.");
            return LogExitCodes.TruncatedBelowReader;
        }
        try
        {
            foreach (LogRecord record in log.ReadFrom(position.Value))
            {
                printer.Print(record);
                last = (record.Position, XxHash3.HashToUInt64(record.Payload));
                position = record.Next;
                if (stop.IsCancellationRequested)
                    break;
            }
            return LogExitCodes.Ok;
        }
        catch (ArgumentOutOfRangeException e) when (first)
        {
            LogOpener.Report(error, $"--from {from}: {LogDumpCommand.FirstLine(e.Message)}");
            return LogExitCodes.Usage;
        }
        catch (ArgumentOutOfRangeException e)
        {
            LogOpener.Report(error, $"the log was truncated below the reader at {position}: {LogDumpCommand.FirstLine(e.Message)}. Stopped.");
            return LogExitCodes.TruncatedBelowReader;
        }
        catch (PmemLogCorruptException e)
        {
            LogOpener.Report(error, $"damaged at {e.Position}: {e.Message}");
            return LogExitCodes.DamagedRecord;
        }
    }

    /// <summary>Why the records the reader stands on are gone, or null when they are not.</summary>
    private string? TruncatedBelowReader(PmemLog log)
    {
        if (log.End < position!.Value)
            return $"its committed end moved back to {log.End}";
        if (log.Start > position.Value)
            return $"its start moved past the reader, to {log.Start}";
        // Truncated and appended again past the reader: the end alone cannot tell, the last record printed can.
        if (last is { } printed && printed.Position >= log.Start)
        {
            try
            {
                if (XxHash3.HashToUInt64(log.Read(printed.Position).Payload) != printed.Hash)
                    return $"the record at {printed.Position}, printed last, was replaced";
            }
            catch (ArgumentOutOfRangeException)
            {
                return $"no record starts at {printed.Position}, printed last, any more";
            }
        }
        return null;
    }
}
