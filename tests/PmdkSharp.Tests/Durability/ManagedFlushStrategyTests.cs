using System.Collections.Generic;
using System.Linq;
using PmdkSharp.Durability;
using PmdkSharp.FlushEngine;
using PmdkSharp.TestHost.Durability;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Durability;

/// <summary>
/// The managed backend's flushes, seen through the strategy itself: every member in
/// <see cref="PersistingCalls"/> runs on a mapping whose strategy is a <see cref="ManagedFlushStrategy"/>
/// over the recording flusher (the production copy, fill and forwarding code over a code page that logs
/// each line it would write back and each fence). The lines flushed must be exactly the lines of the
/// promised bytes, with a fence after the last one when the call promised durability. Streaming stores are
/// off here, so every line written is a line flushed (CacheLineFlusherTests covers the streamed lines).
/// A strategy member that forwards nothing, or to the wrong flusher routine, fails here by assertion.
/// </summary>
public class ManagedFlushStrategyTests
{
    public static TheoryData<string> Calls() => new(PersistingCalls.All.Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Calls))]
    public void Every_persisting_member_flushes_exactly_its_lines_and_fences_before_returning(string name)
    {
        PersistingCall call = PersistingCalls.Find(name);
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            foreach (string directory in TestEnvironment.Directories)
            {
                using var recorder = new RecordingFlusher(nonTemporal: false);
                using var path = new TempPath(directory);
                PersistingCallRun run = call.Prepare(new PersistingCallSetup(path.Path, backend,
                    _ => new ManagedFlushStrategy(recorder.Flusher, autoFlush: false)));
                using (run.Subject)
                {
                    recorder.Take();
                    PersistPromise promise = run.Act();
                    FlushTrace.AssertKept($"{name} (managed strategy on a {backend} mapping in {directory})", promise, run.BaseAddress,
                        Events(recorder.Take()), CacheLines.Size);
                }
            }
        }
    }

    /// <summary>The recorder's entries as flushes of one line each and drains.</summary>
    private static List<FlushEvent> Events(List<ulong> entries) =>
        entries.Select(e => e == FlushCodeEmitter.FenceMarker
            ? new FlushEvent(true, 0, 0, "fence")
            : new FlushEvent(false, e, CacheLines.Size, "line")).ToList();
}
