using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using PmdkSharp.Cli.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Cli.Tests.Log;

/// <summary>Files that are not intact logs: one line and a distinct exit code each, and nothing any command does writes to them.</summary>
public class LogFailureTests
{
    private static readonly string[] Commands = ["info", "verify", "dump", "follow"];

    [Fact]
    public void Every_outcome_has_its_own_exit_code()
    {
        int[] codes =
        [
            LogExitCodes.Ok, LogExitCodes.Failed, LogExitCodes.Usage, LogExitCodes.DamagedRecord, LogExitCodes.NotALog,
            LogExitCodes.DamagedHeader, LogExitCodes.Missing, LogExitCodes.Directory, LogExitCodes.TruncatedBelowReader,
        ];
        Assert.Equal(codes.Length, codes.Distinct().Count());
    }

    [Fact]
    public void A_missing_file_and_a_directory_each_get_one_line_and_their_code()
    {
        using var dir = new TempPath(TestEnvironment.Directories[0], ".dir");
        Directory.CreateDirectory(dir.Path);
        string missing = Path.Combine(dir.Path, "no-such.log");
        foreach (string command in Commands)
        {
            AssertFails(ToolRun.Of("log", command, missing), LogExitCodes.Missing, $"pmemsharp: '{missing}' does not exist.");
            AssertFails(ToolRun.Of("log", command, dir.Path), LogExitCodes.Directory, $"pmemsharp: '{dir.Path}' is a directory, not a log file.");
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("program")]
    [InlineData("empty")]
    [InlineData("zeros")]
    public void Another_programs_file_is_not_a_log_and_stays_unchanged(string kind)
    {
        using var path = new TempPath(TestEnvironment.Directories[0], ".bin");
        switch (kind)
        {
            case "random":
                var bytes = new byte[20000];
                new Random(22).NextBytes(bytes); // fixed seed: the first 8 bytes are never the magic
                File.WriteAllBytes(path.Path, bytes);
                break;
            case "program":
                File.Copy(Environment.ProcessPath!, path.Path);
                break;
            case "empty":
                File.WriteAllBytes(path.Path, []);
                break;
            case "zeros":
                File.WriteAllBytes(path.Path, new byte[8192]);
                break;
        }
        var before = Snapshot.Of(path.Path);
        foreach (string command in Commands)
        {
            ToolRun run = ToolRun.Of("log", command, path.Path);
            AssertFails(run, LogExitCodes.NotALog, $"pmemsharp: '{path.Path}' is not a PmdkSharp log");
        }
        Assert.Equal(before, Snapshot.Of(path.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_damaged_header_is_told_apart_from_a_file_that_is_not_a_log(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        LogFiles.Write(path.Path, backend, 4);
        LogFiles.DamageHeader(path.Path);
        var before = Snapshot.Of(path.Path);
        foreach (string command in Commands)
            AssertFails(ToolRun.Of("log", command, path.Path), LogExitCodes.DamagedHeader, $"pmemsharp: '{path.Path}' is a log whose header cannot be read: ");
        Assert.Equal(before, Snapshot.Of(path.Path));
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Info_verify_and_dump_never_write_to_the_log(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        LogFiles.Write(path.Path, backend, 12);
        foreach (bool damaged in new[] { false, true })
        {
            if (damaged)
                LogFiles.DamagePayload(path.Path, LogFiles.Payload(7));
            // An old mtime: any write, even within the same clock tick, would move it.
            File.SetLastWriteTimeUtc(path.Path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var before = Snapshot.Of(path.Path);
            int expected = damaged ? LogExitCodes.DamagedRecord : LogExitCodes.Ok;
            Assert.Equal(expected, ToolRun.Of("log", "info", path.Path).Code);
            Assert.Equal(expected, ToolRun.Of("log", "info", "--json", path.Path).Code);
            Assert.Equal(expected, ToolRun.Of("log", "verify", path.Path).Code);
            Assert.Equal(expected, ToolRun.Of("log", "dump", "--format", "json", path.Path).Code);
            Assert.Equal(before, Snapshot.Of(path.Path));
        }
    }

    private static void AssertFails(ToolRun run, int code, string errorStart)
    {
        Assert.True(run.Code == code, run.ToString());
        Assert.StartsWith(errorStart, Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);
    }

    /// <summary>A file's contents (hashed), length and modification time.</summary>
    private sealed record Snapshot(string Sha256, long Length, DateTime LastWriteUtc)
    {
        public static Snapshot Of(string path) => new(
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), new FileInfo(path).Length, File.GetLastWriteTimeUtc(path));
    }
}
