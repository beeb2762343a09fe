using System.Threading;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>
    /// Takes `gate` for what changes the ends or the generation (an append's reservation, Truncate,
    /// Dispose, a new generation): a lone appender's section (see <see cref="LoneAppender"/>) is
    /// over and stays out until the hold ends. Moving the start (TruncateBefore, KeepLast) and an
    /// append's own later holds (its commit, its failure, the hint) take `gate` directly. An appender's
    /// reservation passes <paramref name="appending"/> (the first becomes the lone appender, any
    /// other ends that for good); dispose passes <paramref name="forGood"/>.
    /// </summary>
    private GateHold EnterGate(bool appending = false, bool forGood = false)
    {
        Monitor.Enter(gate);
        try
        {
            return new GateHold(this, lone.Pause(appending, forGood));
        }
        catch
        {
            Monitor.Exit(gate);
            throw;
        }
    }

    /// <summary>A hold on `gate` from <see cref="EnterGate"/>; disposing it lets the lone appender in again and releases `gate`.</summary>
    private readonly ref struct GateHold(PmemLog log, bool resume)
    {
        public void Dispose()
        {
            if (resume)
                log.lone.Resume();
            Monitor.Exit(log.gate);
        }
    }
}
