using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace PmdkSharp.TestHost.Reliability;

public static unsafe partial class ReliabilityCommands
{
    private const int SIGUSR1 = 10;
    private const int EINTR = 4;

    /// <summary>
    /// eintr-grow DIR BACKEND SECONDS: installs a SIGUSR1 handler without SA_RESTART (libc's
    /// getpid: async-signal-safe and ignores its argument) and has a second thread send SIGUSR1 to
    /// the growing thread every ~200 µs. First a raw posix_fallocate loop shows the signals do
    /// interrupt it (tmpfs's fallocate returns EINTR), then the library grows a mapping with each
    /// preallocation mode, persisting as it goes, and must neither fail nor lose data.
    /// Prints "result SIGNALS RAW_CALLS RAW_EINTR GROWS FAILURES".
    /// </summary>
    public static int EintrGrow(string[] args)
    {
        if (args.Length != 3)
            throw new ArgumentException("eintr-grow <dir> <backend> <seconds>");
        PmemBackendKind backend = ParseBackend(args[1]);
        double seconds = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        string path = Path.Combine(args[0], $"pmdksharp-eintr-{Environment.ProcessId}.pmem");

        InstallInterruptingHandler();
        int target = gettid();
        long signals = 0;
        using var stop = new CancellationTokenSource();
        var signaller = new Thread(() =>
        {
            int pid = Environment.ProcessId;
            while (!stop.IsCancellationRequested)
            {
                if (tgkill(pid, target, SIGUSR1) == 0)
                    Interlocked.Increment(ref signals);
                Thread.Sleep(TimeSpan.FromTicks(2000)); // ~200 µs
            }
        }) { IsBackground = true };
        signaller.Start();

        long rawCalls = 0, rawEintr = 0, grows = 0, failures = 0;
        try
        {
            // The control: the same kind of call the library makes, unprotected.
            using (var raw = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
            {
                int fd = (int)raw.SafeFileHandle.DangerousGetHandle();
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed.TotalSeconds < seconds / 3)
                {
                    raw.SetLength(0);
                    rawCalls++;
                    if (posix_fallocate(fd, 0, 32L << 20) == EINTR)
                        rawEintr++;
                }
            }
            File.Delete(path);

                foreach (Preallocation mode in new[] { Preallocation.Allocate, Preallocation.ZeroFill, Preallocation.Sparse })
            {
                using var file = PmemFile.Open(path, new PmemFileOptions
                {
                    Backend = backend,
                    Mode = FileMode.Create,
                    Length = 4096,
                    MaxLength = 1L << 30,
                    Preallocation = mode,
                });
                var clock = Stopwatch.StartNew();
                var stamps = new System.Collections.Generic.List<long>();
                long step = 0;
                while (clock.Elapsed.TotalSeconds < seconds / 5 && file.Length + (32L << 20) <= file.MaxLength)
                {
                    long old = file.Length;
                    try
                    {
                        file.Grow(old + (8L << 20) + 4096 * (step % 7));
                        grows++;
                    }
                    catch (IOException e)
                    {
                        failures++;
                        Console.Error.WriteLine($"grow failed: {e.GetType().Name}: {e.Message}");
                        continue;
                    }
                    long at = old & ~7L;
                    file.Write(at, step);
                    file.Persist(at, sizeof(long));
                    stamps.Add(at);
                    step++;
                }
                for (int i = 0; i < stamps.Count; i++)
                    if (file.Read<long>(stamps[i]) != i)
                        failures++; // a stamp written before a later grow was lost
                file.Dispose();
                File.Delete(path);
            }
        }
        finally
        {
            stop.Cancel();
            signaller.Join();
            File.Delete(path);
        }
        Console.Out.WriteLine(string.Join('\t', "result", signals, rawCalls, rawEintr, grows, failures));
        return Program.Success;
    }

    private static void InstallInterruptingHandler()
    {
        nint libc = NativeLibrary.Load("libc.so.6");
        var action = new SigAction { Handler = NativeLibrary.GetExport(libc, "getpid"), Flags = 0 };
        if (sigaction(SIGUSR1, &action, null) != 0)
            throw new IOException($"sigaction failed: errno {Marshal.GetLastPInvokeError()}");
    }

    // glibc's x86-64 struct sigaction: handler, 128-byte mask, int flags, restorer.
    [StructLayout(LayoutKind.Sequential)]
    private struct SigAction
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        public nint Restorer;
    }

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int sigaction(int signal, SigAction* action, SigAction* old);

    [DllImport("libc.so.6")]
    private static extern int gettid();

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int tgkill(int tgid, int tid, int signal);

    [DllImport("libc.so.6")]
    private static extern int posix_fallocate(int fd, long offset, long length);
}
