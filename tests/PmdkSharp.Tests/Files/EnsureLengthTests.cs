using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// EnsureLength: growing to at least a length, safe for threads that share a file without a lock
/// of their own, where <see cref="PmemFile.Grow"/> refuses a length another thread already passed.
/// </summary>
public sealed class EnsureLengthTests
{
    private const int Threads = 8;
    private const int RoundsPerThread = 64;
    private const int Step = 4096;

    /// <summary>
    /// Eight threads each claim the next 4 KiB of the file (a shared counter, as appenders do) and
    /// ensure the file reaches its end, released together by a barrier each round: every call must
    /// return a length covering its claim, the claimed bytes must be writable and read back, and the
    /// file ends exactly as long as the last claim, on disk too.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Eight_racing_threads_each_get_at_least_what_they_asked_for(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        const long total = (long)Threads * RoundsPerThread * Step;
        using var file = test.Create(Step, total);
        long claimed = 0;
        int tooShort = 0;
        int unreadable = 0;
        using var barrier = new Barrier(Threads);

        Task[] workers = new Task[Threads];
        for (int t = 0; t < Threads; t++)
        {
            workers[t] = Task.Factory.StartNew(() =>
            {
                for (int round = 0; round < RoundsPerThread; round++)
                {
                    barrier.SignalAndWait();
                    long end = Interlocked.Add(ref claimed, Step);
                    long length = file.EnsureLength(end);
                    if (length < end)
                        Interlocked.Increment(ref tooShort);
                    file.Write(end - sizeof(long), end); // past the old end: SIGBUS unless the file really grew
                    if (file.Read<long>(end - sizeof(long)) != end)
                        Interlocked.Increment(ref unreadable);
                }
            }, TaskCreationOptions.LongRunning);
        }
        Task.WaitAll(workers);

        Assert.Equal(0, tooShort);
        Assert.Equal(0, unreadable);
        Assert.Equal(total, file.Length);
        Assert.Equal(total, test.LengthOnDisk);
        for (long end = Step; end <= total; end += Step)
            Assert.Equal(end, file.Read<long>(end - sizeof(long)));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_length_already_reached_changes_nothing_and_returns_the_length(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using (var file = test.Create(4 * Step, 16 * Step))
        {
            Assert.Equal(4 * Step, file.EnsureLength(0));
            Assert.Equal(4 * Step, file.EnsureLength(Step));
            Assert.Equal(4 * Step, file.EnsureLength(4 * Step));
            Assert.Equal(8 * Step, file.EnsureLength(8 * Step));
            Assert.Equal(8 * Step, file.Length);
            Assert.Equal(8 * Step, test.LengthOnDisk);
        }

        using var reader = test.Reopen(readOnly: true, maxLength: 16 * Step);
        Assert.Equal(8 * Step, reader.EnsureLength(8 * Step)); // nothing to grow: read-only is no obstacle
        Assert.Throws<NotSupportedException>(() => reader.EnsureLength(9 * Step));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Bad_lengths_are_refused_and_change_nothing(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(4 * Step, 16 * Step);

        Assert.Throws<ArgumentOutOfRangeException>(() => file.EnsureLength(-1));
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => file.EnsureLength(16 * Step + 1));
        Assert.Equal("minimumLength", beyond.ParamName);
        Assert.Contains("MaxLength", beyond.Message);
        Assert.Equal(4 * Step, file.Length);
        Assert.Equal(4 * Step, test.LengthOnDisk);

        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.EnsureLength(Step));
    }
}
