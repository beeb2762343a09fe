using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PmdkSharp.TestHost.Durability;

/// <summary>
/// <c>persisting-calls DIR</c>: runs every <see cref="PersistingCalls"/> entry (or those named after DIR) on the
/// PMDK backend, each on a fresh file in DIR, and prints, per call, the base address, the promise and the
/// window of libpmem's log (PMEM_LOG_FILE, line-buffered by libpmem) that the call itself wrote: its length
/// before and after the call. The test loads libpmem's debug build (PMDKSHARP_LIBPMEM_PATH, PMEM_LOG_LEVEL=15)
/// and reads the ranges in that window (tests/PmdkSharp.Tests/Durability/DebugLibpmemTests).
/// </summary>
internal static class PersistingCallsCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
            throw new ArgumentException("persisting-calls <dir> [name...]");
        string log = Environment.GetEnvironmentVariable("PMEM_LOG_FILE") is { Length: > 0 } file
            ? file : throw new InvalidOperationException("PMEM_LOG_FILE is not set: libpmem's debug build logs nowhere.");
        IEnumerable<PersistingCall> calls = args.Length > 1 ? Array.ConvertAll(args[1..], PersistingCalls.Find) : PersistingCalls.All;

        var results = new List<PersistingCallResult>();
        int index = 0;
        foreach (PersistingCall call in calls)
        {
            string path = Path.Combine(args[0], $"persisting-call-{Environment.ProcessId}-{index++}.pmem");
            try
            {
                PersistingCallRun run = call.Prepare(new PersistingCallSetup(path, PmemBackendKind.Pmdk, null));
                using (run.Subject)
                {
                    long start = new FileInfo(log).Length;
                    PersistPromise promise = run.Act();
                    long end = new FileInfo(log).Length;
                    results.Add(new PersistingCallResult(call.Name, (ulong)run.BaseAddress,
                        promise.Ranges.Count == 0 ? [] : Array.ConvertAll([.. promise.Ranges], r => new[] { r.Offset, r.Length }),
                        promise.Drains, start, end));
                }
            }
            finally
            {
                File.Delete(path);
            }
        }
        var diagnostics = PmemRuntime.GetDiagnostics();
        Console.Out.WriteLine(JsonSerializer.Serialize(new PersistingCallsResult(diagnostics.LibpmemPath, log, results),
            PersistingCallsJsonContext.Default.PersistingCallsResult));
        return Program.Success;
    }
}

/// <summary>One call: its base address, promised ranges as [offset, length] pairs, and its window of the log.</summary>
internal sealed record PersistingCallResult(string Name, ulong BaseAddress, long[][] Ranges, bool Drains, long LogStart, long LogEnd);

internal sealed record PersistingCallsResult(string? LibpmemPath, string LogFile, List<PersistingCallResult> Calls);

[JsonSerializable(typeof(PersistingCallsResult))]
internal sealed partial class PersistingCallsJsonContext : JsonSerializerContext;
