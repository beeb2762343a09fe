using System;
using System.Diagnostics;
using System.IO;
using PmdkSharp.Tests.Files;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>Faults from outside the process: a file-size limit, signals, truncation and growth by another process, read-only mounts, missing permission.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class FaultTests
{
    private readonly ITestOutputHelper output;

    public FaultTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_file_size_limit_while_growing_is_out_of_space_and_loses_nothing(PmemBackendKind backend, string directory)
    {
        int faults = 0;
        foreach (Preallocation mode in new[] { Preallocation.Allocate, Preallocation.Sparse, Preallocation.ZeroFill })
        {
            using var test = new TestFile(backend, directory);
            // RLIMIT_FSIZE of 4 MiB; SIGXFSZ ignored (inherited through exec) so the kernel's EFBIG reaches the library.
            var run = ChildHost.Run(
                new[] { "grow-past-limit", test.Path, backend.ToString(), mode.ToString(), (1 << 20).ToString(), (32 << 20).ToString() },
                new[] { "bash", "-c", "ulimit -f 4096; trap '' XFSZ; exec \"$0\" \"$@\"" });
            string[] result = ChildHost.ResultFields(run);
            // result, exception, length after, file length after, data intact, grew within the limit, message
            Assert.True(result[1] == typeof(PmemOutOfSpaceException).FullName, $"{mode}: {string.Join(' ', result)}\n{run.Stderr}");
            Assert.Contains("File too large", result[6]);
            Assert.Contains("keeps its 1048576 bytes", result[6]);
            Assert.Equal(("1048576", "1048576", "True", "True"), (result[2], result[3], result[4], result[5]));
            faults++;
        }
        ReliabilityRun.Report(output, $"rlimit-fsize {backend} {directory}", $"faults injected {faults} (EFBIG, one per preallocation mode), all PmemOutOfSpaceException, data intact");
    }

    /// <summary>
    /// Real signals against real grows: none may fail. Whether the kernel interrupts fallocate at all
    /// for a handled signal varies (the child's raw posix_fallocate loop, the control, reports how
    /// often it saw EINTR); the retry itself is proven deterministically by InjectedFaultTests, so
    /// this stays an extra that never skips for want of an interruption.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Grows_survive_a_storm_of_signals_without_SA_RESTART(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        double seconds = ReliabilityRun.Long ? 10 : 1.5;
        var run = ChildHost.Run(new[] { "eintr-grow", "/dev/shm", backend.ToString(), seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        string[] result = ChildHost.ResultFields(run);
        // result, signals sent, raw fallocate calls, raw EINTR, library grows, library failures
        string figures = $"SIGUSR1 sent {result[1]}, raw posix_fallocate calls {result[2]} of which EINTR {result[3]}, library grows {result[4]}, failures {result[5]}";
        ReliabilityRun.Report(output, $"signals {backend}", figures);
        Assert.True(result[5] == "0", $"grows failed under signals: {figures}\n{run.Stderr}");
        Assert.True(long.Parse(result[4]) > 0, $"the library never grew: {figures}");
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Truncation_by_another_process_is_detected_by_the_next_grow(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        byte[] data = Patterns.Bytes(1 << 20, seed: 62);
        using var file = test.Create(data.Length, 64 << 20);
        file.CopyPersist(0, data);

        Command.Run("truncate", "-s", "262144", test.Path); // another process cuts the file to 256 KiB under our mapping

        // Nothing past 256 KiB is touched from here on: that would be SIGBUS.
        var error = Assert.Throws<IOException>(() => file.Grow(2 << 20));
        Assert.Contains("was truncated to 262144 bytes by someone else while mapped at 1048576 bytes", error.Message);
        Assert.Equal(1 << 20, file.Length);
        Assert.Equal(262144, test.LengthOnDisk); // the failed grow did not paper over the hole
        Assert.Equal(data[..262144], file.GetReadOnlySpan(0, 262144).ToArray());
        file.Dispose();

        using var reopened = test.Reopen(maxLength: 64 << 20);
        Assert.Equal(262144, reopened.Length);
        Assert.Equal(data[..262144], reopened.GetReadOnlySpan(0, 262144).ToArray());
        reopened.Grow(1 << 20); // growing again from the new length is fine and zero-fills the lost part
        Assert.Equal(0, reopened.Read<long>(512 << 10));
    }

    [SkippableTheory]
    [InlineData(PmemBackendKind.Pmdk, Preallocation.Sparse)]
    [InlineData(PmemBackendKind.Pmdk, Preallocation.ZeroFill)]
    [InlineData(PmemBackendKind.Managed, Preallocation.Allocate)]
    [InlineData(PmemBackendKind.Managed, Preallocation.Sparse)]
    [InlineData(PmemBackendKind.Managed, Preallocation.ZeroFill)]
    [InlineData(PmemBackendKind.Pmdk, Preallocation.Allocate)]
    public void Two_processes_map_one_file_and_both_grow_it(PmemBackendKind backend, Preallocation mode)
    {
        using var test = new TestFile(backend);
        byte[] head = Patterns.Bytes(1 << 20, seed: 63);
        using var file = test.Open(test.Options(head.Length, 256 << 20) with { Preallocation = mode });
        file.CopyPersist(0, head);

        using Process child = Process.Start(ChildHost.StartInfo(new[] { "follow", test.Path, backend.ToString(), mode.ToString() }, redirectInput: true))!;
        try
        {
            Assert.Equal($"ok {1 << 20} {1 << 20}", child.StandardOutput.ReadLine());
            string Ask(string command)
            {
                child.StandardInput.WriteLine(command);
                child.StandardInput.Flush();
                string? answer = child.StandardOutput.ReadLine();
                if (answer is null || !answer.StartsWith("ok ", StringComparison.Ordinal))
                    Assert.Fail($"{command}: {answer}");
                return answer!;
            }

            // We grow to 8 MiB and write the tail; the other process grows its mapping only to 4 MiB.
            file.Grow(8 << 20);
            file.CopyPersist(6 << 20, Patterns.Bytes(4096, seed: 64));
            Assert.Equal($"ok {4 << 20} {8 << 20}", Ask($"grow {4 << 20}")); // a smaller grow never shrinks the file
            Ask($"check 0 {1 << 20} 63");
            Assert.Equal(8 << 20, test.LengthOnDisk);
            Assert.Equal(Patterns.Bytes(4096, seed: 64), file.GetReadOnlySpan(6 << 20, 4096).ToArray()); // still mapped, not SIGBUS

            // The other process grows past us and writes; our grow to that length must not zero or cut its data.
            Assert.Equal($"ok {16 << 20} {16 << 20}", Ask($"grow {16 << 20}"));
            Ask($"write {12 << 20} 4096 65");
            file.Grow(16 << 20);
            Assert.Equal(Patterns.Bytes(4096, seed: 65), file.GetReadOnlySpan(12 << 20, 4096).ToArray());
            Ask($"check {6 << 20} 4096 64");

            // And both keep working past that: we grow further, it follows and sees what we wrote.
            file.Grow(24 << 20);
            file.CopyPersist(20 << 20, Patterns.Bytes(4096, seed: 66));
            Assert.Equal($"ok {24 << 20} {24 << 20}", Ask($"grow {24 << 20}"));
            Ask($"check {20 << 20} 4096 66");
            Assert.Equal(head, file.GetReadOnlySpan(0, head.Length).ToArray());
            child.StandardInput.WriteLine("quit");
            Assert.True(child.WaitForExit(30_000));
            Assert.Equal(0, child.ExitCode);
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_read_only_file_system_refuses_writable_opens_and_allows_read_only_ones(PmemBackendKind backend)
    {
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(sizeMiB: 4);
        var test = new TestFile(backend, tmpfs.Directory); // not deleted: the file system goes read-only, then away
        byte[] data = Patterns.Bytes(64 << 10, seed: 67);
        using (var writer = test.Create(data.Length))
            writer.CopyPersist(0, data);
        Command.Run("mount", "-o", "remount,ro", tmpfs.Directory);

        var writable = Assert.Throws<UnauthorizedAccessException>(() => test.Reopen());
        Assert.Contains(test.Path, writable.Message);
        Assert.Contains("read-only", writable.Message, StringComparison.OrdinalIgnoreCase);
        var create = Assert.Throws<UnauthorizedAccessException>(() => PmemFile.Open(test.Sibling(".new"), test.Options(4096)));
        Assert.Contains("read-only", create.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(test.Sibling(".new")));

        using var reader = test.Reopen(readOnly: true);
        Assert.Equal(backend, reader.Backend);
        Assert.Equal(data, reader.GetReadOnlySpan(0, data.Length).ToArray());
        using var growableReader = test.Reopen(readOnly: true, maxLength: 1 << 20);
        Assert.Equal(data, growableReader.GetReadOnlySpan(0, data.Length).ToArray());
        Assert.Throws<NotSupportedException>(() => growableReader.Grow(128 << 10));
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Another_user_without_permission_gets_UnauthorizedAccessException(PmemBackendKind backend, string directory)
    {
        Skip.IfNot(TestEnvironment.IsRoot, "switching to another user needs root");
        using var privatePath = new TestFile(backend, directory);
        using var publicPath = new TestFile(backend, directory);
        using (var file = privatePath.Open(privatePath.Options(8192) with { Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            file.CopyPersist(0, Patterns.Bytes(8192, seed: 68));
        using (var file = publicPath.Create(8192))
            file.CopyPersist(0, Patterns.Bytes(8192, seed: 68));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath.Path));

        string AsNobody(string path, string access)
        {
            var run = ChildHost.Run(new[] { "read", path, backend.ToString(), access },
                new[] { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp" });
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stdout}\n{run.Stderr}");
            return run.Stdout;
        }

        string privateRead = AsNobody(privatePath.Path, "readonly");
        string privateWrite = AsNobody(privatePath.Path, "readwrite");
        string publicWrite = AsNobody(publicPath.Path, "readwrite");
        string publicRead = AsNobody(publicPath.Path, "readonly");
        Assert.StartsWith("error System.UnauthorizedAccessException ", privateRead);
        Assert.Contains(privatePath.Path, privateRead);
        Assert.StartsWith("error System.UnauthorizedAccessException ", privateWrite);
        Assert.StartsWith("error System.UnauthorizedAccessException ", publicWrite); // 0644: others may read, not write
        Assert.StartsWith("ok 8192 ", publicRead);
    }
}
