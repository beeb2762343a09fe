using System;
using System.IO;
using System.Linq;
using PmdkSharp.Log;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>
/// The head drops of a ring <see cref="PmemLog"/> in the power-cut writer. Before an append, one
/// time in four (the writer's seeded random) and whenever the live records take more than
/// <see cref="LiveLimit"/> bytes, the ring drops its head: <c>TruncateBefore</c> the position of a
/// live record K chosen at random, the newest record always staying. "dropping NAME K" is printed
/// before the call and "dropped NAME K" after it returned: after a power cut, no record before the
/// last "dropped" K may come back, and the log starts no later than the last "dropping" K (a drop
/// in flight may or may not have happened).
/// </summary>
internal sealed partial class PmemLogPowerCutLog
{
    /// <summary>The ring's length: 4 KiB of header, 252 KiB of records (a lap is ~125 records of 8-4008 bytes).</summary>
    public const long RingMaxLength = 256 << 10;

    /// <summary>
    /// The live bytes a ring keeps at most before an append. The largest batch (16 records of 4 KB,
    /// under 63 KiB) and the rest of a lap it may skip (less than the batch) on top of 96 KiB stay
    /// under the 252 KiB capacity: an append never finds the ring full.
    /// </summary>
    private const long LiveLimit = 96 << 10;

    private (string Name, Random Random, TextWriter Output)? dropper;

    /// <summary>The positions used so far (skipped lap ends included) over the capacity: how many times the ring went round.</summary>
    public double Laps => (double)(log.End.Offset - LogLayout.DataStart) / log.Capacity;

    /// <summary>Makes <see cref="Append"/> drop the ring's head now and then, printing each drop to <paramref name="output"/>.</summary>
    public void DropHeadWhileAppending(string name, Random random, TextWriter output)
    {
        if (live is null)
            throw new InvalidOperationException($"The power-cut log {name} is not a ring: it keeps every record.");
        dropper = (name, random, output);
    }

    private void DropHeadNowAndThen()
    {
        if (dropper is not { } drops || live!.Count < 2)
            return;
        var (name, random, output) = drops;
        if (log.LiveBytes <= LiveLimit && random.Next(4) != 0)
            return;
        // K: at the earliest the oldest record that leaves at most LiveLimit bytes live, at the latest the newest.
        long end = log.End.Offset;
        long first = live.Peek().Sequence;
        long earliest = first + 1;
        foreach (var (sequence, position) in live)
        {
            if (end - position.Offset <= LiveLimit)
                break;
            earliest = Math.Max(earliest, sequence + 1);
        }
        long keep = random.NextInt64(earliest, LastSequence + 1);
        LogPosition at = live.ElementAt(checked((int)(keep - first))).Position;
        output.WriteLine($"dropping {name} {keep}");
        if (headDropsUnpersisted is not null)
            headDropsUnpersisted.Value = true;
        log.TruncateBefore(at);
        if (headDropsUnpersisted is not null)
            headDropsUnpersisted.Value = false;
        output.WriteLine($"dropped {name} {keep}");
        while (live.Peek().Sequence < keep)
            live.Dequeue();
    }
}
