using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Lifetime;

/// <summary>
/// Dispose on one thread while another calls a member in a loop: every call completes or throws
/// ObjectDisposedException. A crash (SIGSEGV, AccessViolationException) ends the test host, so
/// the run itself fails; any other exception fails the test with the seed that reproduces it.
/// </summary>
public class DisposeRaceTests
{
    private const int Length = 1 << 16;
    private const int MaxLength = 1 << 22;

    private static readonly int Rounds = Environment.GetEnvironmentVariable("PMDKSHARP_LONG") == "1" ? 5000 : 1000;

    private readonly ITestOutputHelper output;

    public DisposeRaceTests(ITestOutputHelper output) => this.output = output;

    private static readonly Dictionary<string, Action<PmemFile>> Operations = new()
    {
        ["Length"] = f => _ = f.Length,
        ["Read"] = f => f.Read(100, stackalloc byte[64]),
        ["Write"] = f => f.Write(100, stackalloc byte[64]),
        ["ReadT"] = f => _ = f.Read<long>(8),
        ["WriteT"] = f => f.Write(8, 42L),
        ["AsRef"] = f => _ = f.AsRef<long>(8),
        ["GetSpan"] = f => _ = f.GetSpan(0, 64).Length,
        ["GetMemory"] = f => _ = f.GetMemory(0, 64).Length,
        ["PinMemory"] = PinAndWrite,
        ["Persist"] = f => f.Persist(0, 4096),
        ["Flush+Drain"] = f => { f.Flush(0, 64); f.Drain(); },
        ["CopyPersist"] = f => f.CopyPersist(64, stackalloc byte[64]),
        ["FillPersist"] = f => f.FillPersist(128, 64, 1),
        ["Grow"] = f => f.Grow(Math.Min(f.Length + 4096, MaxLength)),
        ["Scope"] = UseScope,
        ["StreamRead"] = f => { using PmemStream s = f.AsStream(); s.Position = 10; _ = s.Read(new byte[32]); },
        ["StreamWrite+Flush"] = f => { using PmemStream s = f.AsStream(); s.Position = 10; s.Write(new byte[32]); s.Flush(); },
        ["StreamWrite+Dispose"] = f => { using PmemStream s = f.AsStream(); s.Position = 10; s.Write(new byte[32]); },
        ["StreamReadByte+WriteByte"] = f => { using PmemStream s = f.AsStream(); s.Position = 10; _ = s.ReadByte(); s.WriteByte(1); },
        ["StreamAsync"] = f =>
        {
            using PmemStream s = f.AsStream();
            s.Position = 10;
            s.WriteAsync(new byte[32]).AsTask().GetAwaiter().GetResult();
            _ = s.ReadAsync(new byte[32]).AsTask().GetAwaiter().GetResult();
            s.FlushAsync().GetAwaiter().GetResult();
        },
    };

    public static TheoryData<string> Members => new(Operations.Keys);

    [SkippableTheory]
    [MemberData(nameof(Members))]
    public void Dispose_racing_a_member_lets_it_complete_or_throw_ObjectDisposedException(string member)
    {
        Action<PmemFile> operation = Operations[member];
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            foreach (string directory in TestEnvironment.Directories)
            {
                int seed = Environment.TickCount;
                output.WriteLine($"{member} on {backend} in {directory}: seed {seed}, {Rounds} rounds");
                var random = new Random(seed);
                using var path = new TempPath(directory);
                using var worker = new RaceWorker(operation);
                for (int round = 0; round < Rounds; round++)
                {
                    var file = PmemFile.Open(path.Path, Patterns.Options(backend, Length, MaxLength) with { Preallocation = Preallocation.Sparse });
                    worker.Start(file);
                    Thread.SpinWait(random.Next(0, 4_000));
                    file.Dispose();
                    Exception? unexpected = worker.Finish();
                    Assert.True(unexpected is null, $"{member} on {backend} in {directory}, seed {seed}, round {round}: {unexpected}");
                }
                // Once Dispose has returned, no call may start and complete: the loop ends with ObjectDisposedException.
                Assert.Equal(0, worker.CompletedAfterDispose);
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Dispose_racing_Grow_never_touches_files_opened_meanwhile(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var path = new TempPath(directory);
        var victims = new List<string>();
        try
        {
            for (int round = 0; round < Rounds / 5; round++)
            {
                File.Delete(path.Path);
                var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, MaxLength) with { Preallocation = Preallocation.Sparse });
                var grower = new Thread(() =>
                {
                    try
                    {
                        for (long length = 8192; length <= MaxLength; length += 4096)
                            file.Grow(length);
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                });
                grower.Start();
                Thread.SpinWait(random.Next(0, 50_000));
                file.Dispose();
                // Descriptors closed by the dispose are handed out again at once to these new files.
                var opened = new List<FileStream>();
                for (int i = 0; i < 4; i++)
                {
                    string victim = $"{path.Path}.victim-{round}-{i}";
                    victims.Add(victim);
                    opened.Add(new FileStream(victim, FileMode.CreateNew, FileAccess.ReadWrite));
                }
                grower.Join();
                opened.ForEach(s => s.Dispose());
            }
            string[] touched = victims.Where(v => new FileInfo(v).Length != 0).ToArray();
            Assert.True(touched.Length == 0, $"seed {seed}: files opened during the race were changed: {string.Join(", ", touched)}");
        }
        finally
        {
            victims.ForEach(File.Delete);
        }
    }

    /// <summary>One long-lived thread that calls the operation on each round's file until it is disposed.</summary>
    private sealed class RaceWorker : IDisposable
    {
        private readonly Action<PmemFile> operation;
        private readonly Thread thread;
        private readonly SemaphoreSlim go = new(0);
        private readonly SemaphoreSlim done = new(0);
        private PmemFile? file;
        private Exception? unexpected;
        private volatile bool stopping;

        public RaceWorker(Action<PmemFile> operation)
        {
            this.operation = operation;
            thread = new Thread(Loop) { IsBackground = true };
            thread.Start();
        }

        public int CompletedAfterDispose { get; private set; }

        public void Start(PmemFile next)
        {
            file = next;
            unexpected = null;
            go.Release();
        }

        /// <summary>Waits for the round's loop to end (the file was disposed) and returns what went wrong, if anything.</summary>
        public Exception? Finish()
        {
            done.Wait();
            if (!file!.IsDisposed)
                return new InvalidOperationException("the round ended before the file was disposed");
            return unexpected;
        }

        public void Dispose()
        {
            stopping = true;
            go.Release();
            thread.Join();
        }

        private void Loop()
        {
            while (true)
            {
                go.Wait();
                if (stopping)
                    return;
                PmemFile current = file!;
                try
                {
                    while (true)
                    {
                        bool disposedBefore = current.IsDisposed;
                        operation(current);
                        if (disposedBefore)
                            CompletedAfterDispose++;
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (Exception e)
                {
                    unexpected = e;
                }
                done.Release();
            }
        }
    }

    private static unsafe void PinAndWrite(PmemFile file)
    {
        using System.Buffers.MemoryHandle pin = file.GetMemory(0, 64).Pin();
        *(byte*)pin.Pointer = 1;
    }

    private static void UseScope(PmemFile file)
    {
        using PmemAccessScope scope = file.BeginAccess();
        scope.CopyPersist(0, stackalloc byte[16]);
        _ = scope.Read<long>(8);
        scope.Write(16, 7L);
    }
}
