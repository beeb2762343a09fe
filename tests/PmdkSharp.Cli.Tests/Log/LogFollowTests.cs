using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Cli.Log;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary>
/// <c>pmemsharp log follow</c>: the tool runs as its own process and this test process is the writer, so
/// records cross a process boundary as they would in production. Waits are bounded (a minute) but never timed.
/// </summary>
public class LogFollowTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public async Task Follow_prints_what_another_process_commits_and_stops_cleanly_on_ctrl_c(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        using var writer = PmemLog.Open(path.Path, LogFiles.Options(backend));
        for (int i = 0; i < 3; i++)
            writer.Append(LogFiles.Payload(i)); // before the follower starts: not printed from the end on
        LogPosition from = writer.End;

        using var follower = Follower.Start("log", "follow", "--from", from.ToString(), path.Path);
        var expected = new List<string>();
        for (int i = 3; i < 6; i++)
            expected.Add(Line(writer.Append(LogFiles.Payload(i)), i));
        var batch = new ReadOnlyMemory<byte>[4];
        var positions = new LogPosition[4];
        for (int i = 0; i < 4; i++)
            batch[i] = LogFiles.Payload(6 + i);
        writer.AppendBatch(batch, positions);
        for (int i = 0; i < 4; i++)
            expected.Add(Line(positions[i], 6 + i));

        foreach (string line in expected)
            Assert.Equal(line, await follower.ReadLine());
        follower.Interrupt();
        (int code, string error) = await follower.Exit();
        Assert.True(code == LogExitCodes.Ok, $"exit {code}: {error}");
        Assert.Contains($"follow stopped at {writer.End} (resume with --from {writer.End})", error);
        Assert.Null(await follower.ReadLine()); // nothing more after the records
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public async Task Follow_says_so_and_exits_8_when_the_log_is_truncated_below_the_reader(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var writer = PmemLog.Open(path.Path, LogFiles.Options(backend));
        var positions = new List<LogPosition>();
        for (int i = 0; i < 5; i++)
            positions.Add(writer.Append(LogFiles.Payload(i)));

        using var follower = Follower.Start("log", "follow", "--from", "start", path.Path);
        for (int i = 0; i < 5; i++)
            Assert.Equal(Line(positions[i], i), await follower.ReadLine());
        LogPosition reader = writer.End;
        writer.Truncate(positions[2]);
        (int code, string error) = await follower.Exit();
        Assert.True(code == LogExitCodes.TruncatedBelowReader, $"exit {code}: {error}");
        Assert.Contains($"pmemsharp: the log was truncated below the reader at {reader}: its committed end moved back to {positions[2]}. Stopped.", error);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_truncation_refilled_past_the_reader_between_two_polls_is_still_seen(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var writer = PmemLog.Open(path.Path, LogFiles.Options(backend));
        var positions = new List<LogPosition>();
        for (int i = 0; i < 4; i++)
            positions.Add(writer.Append(LogFiles.Payload(i)));
        var output = new StringWriter();
        var error = new StringWriter();
        var follower = new LogFollower(path.Path, FromPosition.End, new RecordPrinter(output, RecordFormat.Text), output, error);

        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None));
        Assert.Empty(output.ToString()); // from the end: the records already there are not printed
        Assert.Equal(writer.End, follower.Position);
        LogPosition fifth = writer.Append(LogFiles.Payload(4));
        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None));
        Assert.Equal(Line(fifth, 4) + "\n", output.ToString());
        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None)); // nothing new: nothing printed, still going
        Assert.Equal(Line(fifth, 4) + "\n", output.ToString());

        // Cut below the reader, then append more than was cut: the end is past the reader again, and only the record printed last can tell.
        writer.Truncate(positions[1]);
        while (writer.End <= fifth)
            writer.Append(new byte[200]);
        Assert.Equal(LogExitCodes.TruncatedBelowReader, follower.Poll(CancellationToken.None));
        Assert.Contains("the log was truncated below the reader", error.ToString());
        Assert.Equal(Line(fifth, 4) + "\n", output.ToString());
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Dropping_the_head_below_the_reader_goes_on_and_past_it_stops(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using var writer = PmemLog.Open(path.Path, LogFiles.Options(backend));
        var positions = new List<LogPosition>();
        for (int i = 0; i < 4; i++)
            positions.Add(writer.Append(LogFiles.Payload(i)));
        var output = new StringWriter();
        var error = new StringWriter();
        var follower = new LogFollower(path.Path, FromPosition.Start, new RecordPrinter(output, RecordFormat.Text), output, error);
        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None));
        Assert.Equal(4, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        writer.TruncateBefore(positions[3]); // consumed records dropped, the reader is past them (even past the last it printed)
        positions.Add(writer.Append(LogFiles.Payload(4)));
        Assert.Equal(LogExitCodes.Ok, follower.Poll(CancellationToken.None));
        Assert.EndsWith(Line(positions[4], 4) + "\n", output.ToString());
        Assert.Empty(error.ToString());

        positions.Add(writer.Append(LogFiles.Payload(5)));
        positions.Add(writer.Append(LogFiles.Payload(6)));
        writer.TruncateBefore(positions[6]); // records the reader never printed are gone
        Assert.Equal(LogExitCodes.TruncatedBelowReader, follower.Poll(CancellationToken.None));
        Assert.Contains($"the log was truncated below the reader at {positions[5]}: its start moved past the reader, to {positions[6]}. Stopped.", error.ToString());
    }

    /// <summary>The line dump and follow print for record i at <paramref name="position"/>, written out independently of the printer.</summary>
    private static string Line(LogPosition position, int i)
    {
        byte[] payload = LogFiles.Payload(i);
        return RecordPrinter.IsPrintable(payload)
            ? $"{position} {payload.Length} \"{System.Text.Encoding.ASCII.GetString(payload).Replace("\\", "\\\\").Replace("\"", "\\\"")}\""
            : $"{position} {payload.Length} 0x{Convert.ToHexStringLower(payload)}";
    }
}

/// <summary>pmemsharp as a child process (the same build this test references), its output read line by line.</summary>
internal sealed class Follower : IDisposable
{
    private readonly Process process;
    private readonly Task<string> error;

    private Follower(Process process)
    {
        this.process = process;
        error = process.StandardError.ReadToEndAsync();
    }

    public static Follower Start(params string[] args)
    {
        // Through env(1) with SIGINT's default handling: a suite started in the background by a shell
        // without job control inherits SIGINT ignored, and the runtime leaves an ignored signal ignored,
        // so the child would never see the Ctrl+C this test sends.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(typeof(PmemsharpCommandLine).Assembly.Location);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        return new Follower(Process.Start(start)!);
    }

    /// <summary>The next line it printed, or null once it exited; fails the test after a minute without one.</summary>
    public async Task<string?> ReadLine() => await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Ctrl+C.</summary>
    public void Interrupt()
    {
        using Process kill = Process.Start("kill", ["-INT", process.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<(int Code, string Error)> Exit()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(patience.Token);
        return (process.ExitCode, await error);
    }

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill();
        process.Dispose();
    }
}
