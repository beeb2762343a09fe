using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using PmdkSharp.TestHost.Durability;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.Tests.Runtime;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// The PMDK backend's flushes as the real libpmem sees them: a test-host child loads libpmem's debug build
/// (Debian's libpmem1-debug, through PMDKSHARP_LIBPMEM_PATH) with PMEM_LOG_LEVEL=15, runs every member in
/// <see cref="PersistingCalls"/> on emulated pmem, and the log's ranges for each call must cover exactly the
/// bytes it promised, with a drain after the last flush when it promised durability. A persist made a no-op,
/// a _nodrain copy where a _persist one belongs, or a range off by a byte fails here by assertion, which no
/// test on the emulated-pmem setting can see from the data (the page cache keeps every store anyway).
/// The child sets its own environment, so both settings run the same check.
/// </summary>
public class DebugLibpmemTests
{
    private static readonly Lazy<ChildRun> Run = new(RunChild);

    public static string DebugLibpmemPath { get; } =
        $"/usr/lib/{(RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64")}-linux-gnu/pmdk_dbg/libpmem.so.1";

    public static TheoryData<string> Calls() => new(PersistingCalls.All.Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Calls))]
    public void Every_persisting_member_flushes_exactly_its_range_and_drains_before_returning(string name)
    {
        ChildRun run = Run.Value;
        JsonElement call = run.Calls.Single(c => c.GetProperty("Name").GetString() == name);
        var promise = new PersistPromise(
            call.GetProperty("Ranges").EnumerateArray().Select(r => new ByteRange(r[0].GetInt64(), r[1].GetInt64())).ToList(),
            call.GetProperty("Drains").GetBoolean());
        long start = call.GetProperty("LogStart").GetInt64(), end = call.GetProperty("LogEnd").GetInt64();
        string window = Encoding.UTF8.GetString(run.Log, (int)start, (int)(end - start));

        FlushTrace.AssertKept($"{name} (PMDK, libpmem's log)", promise, call.GetProperty("BaseAddress").GetUInt64(),
            DebugLibpmemLog.Parse(window), granularity: 1);
    }

    [Fact]
    public void The_log_parser_reads_ranges_and_drains_and_skips_the_rest()
    {
        const string log = """
            <libpmem>: <10> [pmem.c:372 pmem_is_pmem] addr 0x7f0ffd400000 len 1048576
            <libpmem>: <15> [pmem.c:238 pmem_persist] addr 0x7f0ffd400064 len 200
            <libpmem>: <15> [pmem.c:225 pmem_flush] addr 0x7f0ffd400064 len 200
            <libpmem>: <15> [init.c:58 flush_clwb] addr 0x7f0ffd400064 len 200
            <libpmem>: <15> [pmem.c:189 pmem_drain] 
            <libpmem>: <15> [init.c:26 memory_barrier] 
            <libpmem>: <15> [pmem.c:759 pmem_memset_persist] pmemdest 0x7f0ffd400009 c 7 len 11
            <libpmem>: <15> [pmem.c:689 pmem_memcpy_nodrain] pmemdest 0x7f0ffd400005 src 0x7ffe14099110 len 7
            """;
        Assert.Equal(
            new[]
            {
                new FlushEvent(false, 0x7f0ffd400064, 200, "pmem_persist"), new FlushEvent(false, 0x7f0ffd400064, 200, "pmem_flush"),
                new FlushEvent(true, 0, 0, "pmem_drain"), new FlushEvent(false, 0x7f0ffd400009, 11, "pmem_memset_persist"),
                new FlushEvent(false, 0x7f0ffd400005, 7, "pmem_memcpy_nodrain"),
            },
            DebugLibpmemLog.Parse(log));
    }

    private sealed record ChildRun(List<JsonElement> Calls, byte[] Log);

    private static ChildRun RunChild()
    {
        if (!File.Exists(DebugLibpmemPath))
        {
            string reason = $"{DebugLibpmemPath} is missing (Debian's libpmem1-debug; ./build.sh deps installs it)";
            if (TestEnvironment.RequirePmdk)
                Assert.Fail($"PMDKSHARP_REQUIRE_PMDK=1 but {reason}");
            Skip.If(true, reason);
        }
        using var log = new TempPath(Path.GetTempPath(), ".log");
        TestHostProcess.Result result = TestHostProcess.Run(new Dictionary<string, string?>
        {
            ["PMDKSHARP_LIBPMEM_PATH"] = DebugLibpmemPath,
            ["PMEM_IS_PMEM_FORCE"] = "1",
            ["PMEM_LOG_LEVEL"] = "15",
            ["PMEM_LOG_FILE"] = log.Path,
            ["PMDKSHARP_BACKEND"] = null,
        }, ["persisting-calls", "/dev/shm"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        JsonElement json = result.Json;
        Assert.Equal(DebugLibpmemPath, json.GetProperty("LibpmemPath").GetString());
        return new ChildRun(json.GetProperty("Calls").EnumerateArray().ToList(), File.ReadAllBytes(log.Path));
    }
}
