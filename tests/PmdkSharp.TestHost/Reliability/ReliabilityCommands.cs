using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>Child-process commands for tests/PmdkSharp.Tests/Reliability: crash, fault, two-process and leak cases.</summary>
public static unsafe partial class ReliabilityCommands
{
    /// <summary>
    /// append-log PATH BACKEND: recovers the log (exit 4 if a committed record is invalid), prints
    /// "recovered COMMIT LAST", then appends records forever, printing "ack SEQ" only after the
    /// record and the commit offset covering it were persisted. The test kills it with SIGKILL.
    /// </summary>
    public static int AppendLog(string[] args)
    {
        if (args.Length != 2)
            throw new ArgumentException("append-log <path> <backend>");
        using var file = PmemFile.Open(args[0], new PmemFileOptions
        {
            Backend = ParseBackend(args[1]),
            Length = 64 << 10,
            MaxLength = 1L << 30,
        });
        ChecksummedLog.ScanResult recovered = ChecksummedLog.Scan(file);
        if (recovered.Error is not null)
        {
            Console.Out.WriteLine($"corrupt {recovered.Error}");
            return Program.Failed;
        }
        if (file.Read<ulong>(ChecksummedLog.MagicOffset) == 0)
            ChecksummedLog.Initialize(file);
        long commit = recovered.Commit;
        long sequence = recovered.LastSequence;
        TextWriter output = Console.Out; // autoflushed: each ack is one write(2) to the pipe
        output.WriteLine($"recovered {commit} {sequence}");
        while (true)
        {
            sequence++;
            commit = ChecksummedLog.Append(file, commit, sequence);
            output.WriteLine($"ack {sequence}");
        }
    }

    /// <summary>
    /// grow-past-limit PATH BACKEND PREALLOCATION LENGTH GROW_TO: run under a file-size limit
    /// (RLIMIT_FSIZE) with SIGXFSZ ignored. Creates the file, fills and persists it, grows past
    /// the limit, and reports the exception, the lengths afterwards, whether the data survived,
    /// and whether a grow that fits still works.
    /// </summary>
    public static int GrowPastLimit(string[] args)
    {
        if (args.Length != 5)
            throw new ArgumentException("grow-past-limit <path> <backend> <preallocation> <length> <grow-to>");
        long length = long.Parse(args[3]);
        long growTo = long.Parse(args[4]);
        using var file = PmemFile.Open(args[0], new PmemFileOptions
        {
            Backend = ParseBackend(args[1]),
            Preallocation = Enum.Parse<Preallocation>(args[2], ignoreCase: true),
            Length = length,
            MaxLength = growTo,
        });
        byte[] data = new byte[length];
        new Random(61).NextBytes(data);
        file.CopyPersist(0, data);

        string? exception = null, message = null;
        try
        {
            file.Grow(growTo);
        }
        catch (Exception e)
        {
            exception = e.GetType().FullName;
            message = e.Message;
        }
        long lengthAfter = file.Length;
        long fileLengthAfter = new FileInfo(args[0]).Length;
        bool intact = file.GetReadOnlySpan(0, data.Length).SequenceEqual(data);
        bool grewWithinLimit;
        try
        {
            file.Grow(length + 4096);
            file.GetSpan(length + 4095, 1)[0] = 0x7E;
            file.Persist(length, 4096);
            grewWithinLimit = file.Length == length + 4096 && new FileInfo(args[0]).Length == length + 4096;
        }
        catch (IOException)
        {
            grewWithinLimit = false;
        }
        Console.Out.WriteLine(string.Join('\t', "result", exception ?? "-", lengthAfter, fileLengthAfter, intact, grewWithinLimit, message ?? "-"));
        return Program.Success;
    }

    /// <summary>
    /// follow PATH BACKEND PREALLOCATION: maps an existing file (growable to 1 GiB) and obeys lines
    /// on stdin while another process grows the same file: "grow N", "write OFFSET LENGTH SEED"
    /// (write and persist a pattern), "check OFFSET LENGTH SEED", "length", "quit". Answers
    /// "ok LENGTH FILE_LENGTH" or "error TYPE MESSAGE" per line.
    /// </summary>
    public static int Follow(string[] args)
    {
        if (args.Length != 3)
            throw new ArgumentException("follow <path> <backend> <preallocation>");
        using var file = PmemFile.Open(args[0], new PmemFileOptions
        {
            Mode = FileMode.Open,
            Backend = ParseBackend(args[1]),
            Preallocation = Enum.Parse<Preallocation>(args[2], ignoreCase: true),
            MaxLength = 1L << 30,
        });
        Console.Out.WriteLine($"ok {file.Length} {new FileInfo(args[0]).Length}");
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words[0])
                {
                    case "grow":
                        file.Grow(long.Parse(words[1]));
                        break;
                    case "write":
                        file.CopyPersist(long.Parse(words[1]), Pattern(int.Parse(words[2]), int.Parse(words[3])));
                        break;
                    case "check":
                        if (!file.GetReadOnlySpan(long.Parse(words[1]), int.Parse(words[2])).SequenceEqual(Pattern(int.Parse(words[2]), int.Parse(words[3]))))
                            throw new InvalidDataException($"bytes at {words[1]} differ from pattern {words[3]}");
                        break;
                    case "length":
                        break;
                    case "quit":
                        return Program.Success;
                    default:
                        throw new ArgumentException($"unknown follow command '{words[0]}'");
                }
                Console.Out.WriteLine($"ok {file.Length} {new FileInfo(args[0]).Length}");
            }
            catch (Exception e)
            {
                Console.Out.WriteLine($"error {e.GetType().FullName} {e.Message.ReplaceLineEndings(" ")}");
            }
        }
        return Program.Success;
    }

    /// <summary>
    /// read PATH BACKEND: opens an existing file read-only and prints its length and a hash of its
    /// bytes; "error TYPE MESSAGE" when it cannot (run as another user, on a read-only mount).
    /// </summary>
    public static int Read(string[] args)
    {
        if (args.Length != 3)
            throw new ArgumentException("read <path> <backend> <readonly|readwrite>");
        try
        {
            using var file = PmemFile.Open(args[0], new PmemFileOptions
            {
                Mode = FileMode.Open,
                Backend = ParseBackend(args[1]),
                ReadOnly = args[2] == "readonly",
            });
            uint crc = ChecksummedLog.Checksum(0, 0, file.GetReadOnlySpan(0, (int)file.Length));
            Console.Out.WriteLine($"ok {file.Length} {crc:X8}");
        }
        catch (Exception e)
        {
            Console.Out.WriteLine($"error {e.GetType().FullName} {e.Message.ReplaceLineEndings(" ")}");
        }
        return Program.Success;
    }

    /// <summary>
    /// leak-loop DIR BACKEND SECONDS MAX_ITERATIONS DISPOSE|FINALIZE: opens, grows, writes,
    /// persists and disposes (or abandons to the finalizer) mappings in a loop, then prints the
    /// process's VMA count, open fds and RSS before and after.
    /// </summary>
    private const long MinimumLeakIterations = 1000;

    public static int LeakLoop(string[] args)
    {
        if (args.Length != 5)
            throw new ArgumentException("leak-loop <dir> <backend> <seconds> <max-iterations> <dispose|finalize>");
        PmemBackendKind backend = ParseBackend(args[1]);
        double seconds = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        long maxIterations = long.Parse(args[3]);
        bool dispose = args[4] == "dispose";
        string growable = Path.Combine(args[0], $"pmdksharp-leak-{Environment.ProcessId}.pmem");
        string fixedSize = growable + ".fixed";
        try
        {
            Iterate(0, 200); // warm up: JIT, lazy runtime state, libpmem's own one-time mappings
            Settle();
            var before = Usage();
            var clock = Stopwatch.StartNew();
            long iterations = Iterate(200, maxIterations, seconds);
            double elapsed = clock.Elapsed.TotalSeconds;
            Settle();
            var after = Usage();
            Console.Out.WriteLine(string.Join('\t', "result", iterations, elapsed.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
                before.Maps, after.Maps, before.Fds, after.Fds, before.Rss, after.Rss, before.VirtualSize, after.VirtualSize, after.FileMaps));
            return Program.Success;
        }
        finally
        {
            File.Delete(growable);
            File.Delete(fixedSize);
        }

        long Iterate(long first, long count, double limitSeconds = double.MaxValue)
        {
            var clock = Stopwatch.StartNew();
            long i = 0;
            for (; i < count; i++)
            {
                // The time limit only cuts the loop short past a fixed minimum, so a loaded machine
                // runs longer instead of checking fewer iterations.
                if (i >= MinimumLeakIterations && (i & 255) == 0 && clock.Elapsed.TotalSeconds >= limitSeconds)
                    break;
                // Alternate growable mappings (the engine) and fixed-size ones (pmem_map_file on PMDK).
                bool grow = ((first + i) & 1) == 0;
                var options = new PmemFileOptions
                {
                    Backend = backend,
                    Mode = FileMode.Create,
                    Length = 8192,
                    MaxLength = grow ? 1 << 20 : null,
                    Preallocation = Preallocation.Sparse,
                };
                PmemFile file = PmemFile.Open(grow ? growable : fixedSize, options);
                if (grow)
                    file.Grow(65536 + 4096 * ((first + i) % 16));
                file.Write(file.Length - 8, first + i);
                file.Persist(file.Length - 8, 8);
                using (file.GetMemory(0, 16).Pin())
                {
                    // a pin holds a reference on the mapping; releasing it must leave nothing behind
                }
                if (dispose)
                {
                    file.Dispose();
                }
                else if (((first + i) & 1023) == 1023)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            }
            return i;
        }
    }

    private static void Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>VMAs, open fds, resident and virtual size, and VMAs still mapping one of the loop's files.</summary>
    private static (int Maps, int Fds, long Rss, long VirtualSize, int FileMaps) Usage()
    {
        string[] maps = File.ReadAllLines("/proc/self/maps");
        int fds = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        string[] status = File.ReadAllLines("/proc/self/status");
        return (maps.Length, fds, StatusBytes(status, "VmRSS:"), StatusBytes(status, "VmSize:"),
            maps.Count(l => l.Contains("pmdksharp-leak-", StringComparison.Ordinal)));
    }

    private static long StatusBytes(string[] status, string field) =>
        long.Parse(status.First(l => l.StartsWith(field, StringComparison.Ordinal))
            .Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static PmemBackendKind ParseBackend(string name) => Enum.Parse<PmemBackendKind>(name, ignoreCase: true);
}
