using System;
using System.IO;
using PmdkSharp.Interop;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// A log open looks its path up once (one statx, counted through the POSIX layer's seam) and opens
/// the file once (counted by the kernel, through inotify): the header is read through the descriptor
/// that is then mapped, so a path replaced in between can never give a header of one file and a
/// mapping of another. Where that one writable open is refused, the file is still told apart by a read.
/// </summary>
public class PmemLogOpenLookupTests
{
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Creating_a_log_looks_the_path_up_once_and_opens_it_once(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        foreach (FileMode mode in new[] { FileMode.CreateNew, FileMode.Create, FileMode.OpenOrCreate })
        {
            File.Delete(path.Path);
            if (mode == FileMode.OpenOrCreate)
                File.WriteAllBytes(path.Path, []); // an interrupted creation: found empty, formatted
            AssertOneLookupAndOneOpen(path.Path, LogTestFiles.Options(backend, mode: mode), $"{mode}");
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Reopening_a_log_looks_the_path_up_once_and_opens_it_once(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0], ".log");
        using (PmemLog created = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.CreateNew)))
            created.Append("kept"u8);

        AssertOneLookupAndOneOpen(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open), "Open");
        AssertOneLookupAndOneOpen(path.Path, LogTestFiles.Options(backend, mode: FileMode.OpenOrCreate), "OpenOrCreate");
        AssertOneLookupAndOneOpen(path.Path, new PmemLogOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true }, "Open, read-only");
    }

    /// <summary>
    /// Without write access the one writable open fails; what the file is still decides the exception, as when the
    /// log read every header before opening for writing: another program's file is "not a log", a log is refused for the access.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void On_a_read_only_file_system_a_writable_open_says_what_the_file_is(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(4);
        string logPath = Path.Combine(tmpfs.Directory, "records.log"), otherPath = Path.Combine(tmpfs.Directory, "other.bin");
        using (PmemLog created = PmemLog.Open(logPath, LogTestFiles.Options(backend, mode: FileMode.CreateNew)))
            created.Append("kept"u8);
        byte[] other = new byte[8192];
        other.AsSpan().Fill(0x42);
        File.WriteAllBytes(otherPath, other);
        byte[] log = File.ReadAllBytes(logPath);
        Command.Run("mount", "-o", "remount,ro", tmpfs.Directory);

        var notALog = Assert.Throws<PmemLogFormatException>(() => PmemLog.Open(otherPath, LogTestFiles.Options(backend, mode: FileMode.Open)));
        Assert.Contains("not a PmdkSharp log", notALog.Message);
        var noAccess = Assert.Throws<UnauthorizedAccessException>(() => PmemLog.Open(logPath, LogTestFiles.Options(backend, mode: FileMode.OpenOrCreate)));
        Assert.Contains("read-only file system", noAccess.Message);
        using (PmemLog reader = PmemLog.Open(logPath, new PmemLogOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true }))
            Assert.False(reader.IsEmpty);
        Assert.Equal(other, File.ReadAllBytes(otherPath));
        Assert.Equal(log, File.ReadAllBytes(logPath));
    }

    private static void AssertOneLookupAndOneOpen(string path, PmemLogOptions options, string what)
    {
        using var opens = new OpenCounter(path);
        int statxCalls;
        using (PosixFaults.Fault statx = PosixFaults.Inject(Syscall.Statx, errno: 0)) // errno 0: counts the calls, fails none
        {
            using PmemLog log = PmemLog.Open(path, options);
            Assert.True(log.Length >= options.Length || options.ReadOnly, what);
            statxCalls = statx.Calls;
        }
        Assert.True(statxCalls == 1, $"{what}: {statxCalls} statx calls of the path, not 1");
        int opened = opens.Opens();
        Assert.True(opened == 1, $"{what}: the file was opened {opened} times, not once");
    }
}
