using System.Buffers;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// CopyPersist and Persist per call, 64 B to 1 MiB, against native/bench/copy_persist.c doing the
/// same calls on the same kind of file straight through libpmem: the raw P/Invoke, the per-call
/// API (a lease per call), the access scope (one lease for the loop), and two writer threads on
/// disjoint halves of one file against C with two threads. Rounds alternate C# and C and the best
/// of each is kept, so a noisy neighbour hurts both alike. Both sides write every page of the file
/// before timing (C's memset, the C# write pass), so neither timed loop pays a first touch, and both
/// keep the fastest of <see cref="Chunks"/> chunks of a loop; a plain consumer loop on a file of its
/// own, timed the same way in the same process, checks that the section measures what users run.
/// </summary>
internal sealed unsafe class CopyPersistBench : IBenchSection
{
    private const string BigTarget = "copy-persist: CopyPersist >= 0.98x C's throughput for >= 4 KiB (time C#/C <= 1.02)";
    private const string SmallTarget = "copy-persist: per-call API at most 10 ns over C at 64 B";
    private const string ScopeTarget = "copy-persist: access scope at most 3 ns over C at 64 B";
    private const string WritersTarget = "copy-persist: two writers on one file >= 1.8x one writer";
    private const string ConsumerTarget = "copy-persist: per-call figure within 0.8-1.25x of a plain consumer loop at 64 B";

    public string Name => "copy-persist";

    /// <summary>Measured only in the emulated-pmem child; in the tool's own process one step notes a missing memory directory.</summary>
    public int Steps(BenchContext context) =>
        context.InEmulatedPmemChild ? 2 * context.Settings.CopyRounds : context.Memory is null ? 1 : 0;

    public void Run(BenchContext context, IProgressSink progress)
    {
        if (!context.InEmulatedPmemChild || context.Memory is not { } memory)
        {
            progress.Step("copy-persist: no emulated pmem");
            context.Report.Skipped.Add("copy-persist: not run, no tmpfs or DAX directory among --dir");
            foreach (string target in new[] { BigTarget, SmallTarget, ScopeTarget, WritersTarget, ConsumerTarget })
                context.Report.Findings.Add(Finding.NotComputed(target, "no tmpfs or DAX directory among --dir"));
            return;
        }
        ResultTable table = Run(memory, context.Settings, context.NativeBench, progress, context.Report.Skipped);
        context.Report.Tables.Add(table);
        AddFindings(context.Report, table);
    }

    public static ResultTable Run(BenchDir dir, BenchSettings s, string? nativeBench, IProgressSink progress, List<string> skipped)
    {
        int[] sizes = BenchSettings.CopySizes.Where(x => x <= s.CopyRegionBytes).ToArray();
        var best = new Dictionary<(string Side, string Op, int Size), double>();
        void Keep(string side, string op, int size, double ns)
        {
            if (!best.TryGetValue((side, op, size), out double old) || ns < old)
                best[(side, op, size)] = ns;
        }

        bool cAvailable = nativeBench is not null && File.Exists(nativeBench);
        if (!cAvailable)
            skipped.Add($"copy-persist: C baseline not found ({nativeBench ?? "not built"}); build it with ./build.sh demo or pass --native-bench");
        // Warm-up: let tiered compilation reach optimized code for the call path before anything is timed.
        MeasureManaged(dir.File("copy-persist-cs.bin"), s with { CopyBytesPerSize = 1 << 20 }, sizes);
        System.Threading.Thread.Sleep(300);
        for (int round = 0; round < s.CopyRounds; round++)
        {
            progress.Step($"copy-persist round {round + 1}/{s.CopyRounds}: C#");
            foreach ((string op, int size, double ns) in MeasureManaged(dir.File("copy-persist-cs.bin"), s, sizes, dir.File("copy-persist-consumer.bin")))
                Keep("C#", op, size, ns);
            progress.Step($"copy-persist round {round + 1}/{s.CopyRounds}: C");
            if (cAvailable)
                foreach ((string op, int size, double ns) in MeasureNative(nativeBench!, dir.File("copy-persist-c.bin"), s, sizes))
                    Keep("C", op, size, ns);
        }

        var table = new ResultTable
        {
            Id = "copy-persist", LabelHeader = "size",
            Title = "CopyPersist / Persist per call vs C libpmem (emulated pmem, PMEM_IS_PMEM_FORCE=1)",
            Note = $"Fixed-size {Format.Bytes(s.CopyRegionBytes)} file on {dir.Label} (C# maps it with mmap of its own descriptor and asks pmem_is_pmem, C with pmem_map_file), prefaulted; "
                + $"calls walk the file in order; best of {s.CopyRounds} alternating rounds. ns are per call.",
            Columns = ["C# CopyPersist ns", "C memcpy_persist ns", "CopyPersist C#/C", "C# GB/s", "C GB/s",
                "C# Persist ns", "C persist ns", "Persist C#/C",
                "scope CopyPersist ns", "raw P/Invoke ns", "scope - C ns", "per-call - C ns",
                "2 writers C# ns", "2 writers C ns", "C# 2 writers / 1", "C 2 writers / 1",
                "consumer loop ns", "per-call / consumer"],
        };
        foreach (int size in sizes)
        {
            double? Get(string side, string op) => best.TryGetValue((side, op, size), out double v) ? v : null;
            double? csCopy = Get("C#", "copy"), cCopy = Get("C", "copy"), csPersist = Get("C#", "persist"), cPersist = Get("C", "persist");
            double? scope = Get("C#", "scope-copy"), raw = Get("C#", "raw-copy"), cs2 = Get("C#", "writers"), c2 = Get("C", "writers");
            double? consumer = Get("C#", "consumer");
            // Two writers' figure is wall time per call summed over both threads: 0.5x the one-writer time is a perfect 2x.
            table.Add(Format.Bytes(size), csCopy, cCopy, csCopy / cCopy, size / csCopy, size / cCopy,
                csPersist, cPersist, csPersist / cPersist,
                scope, raw, scope - cCopy, csCopy - cCopy,
                cs2, c2, scope / cs2, cCopy / c2,
                consumer, csCopy / consumer);
        }
        return table;
    }

    /// <summary>Calls per timed loop are split into this many chunks; the fastest chunk is kept (C does the same), so a preempted chunk does not count.</summary>
    internal const int Chunks = 8;

    private static List<(string, int, double)> MeasureManaged(string path, BenchSettings s, int[] sizes, string? consumerPath = null)
    {
        var results = new List<(string, int, double)>();
        File.Delete(path);
        int largest = sizes.Max();
        byte* source = (byte*)NativeMemory.AlignedAlloc((nuint)largest, 64);
        try
        {
            new Span<byte>(source, largest).Fill(0x5a);
            using var file = PmemFile.Open(path, new PmemFileOptions
            {
                Mode = FileMode.CreateNew, Length = s.CopyRegionBytes, Prefault = PrefaultMode.PopulateWrite, Backend = PmemBackendKind.Pmdk,
            });
            if (!file.IsPersistentMemory)
                throw new InvalidOperationException("copy-persist expects emulated pmem (PMEM_IS_PMEM_FORCE=1)");
            WriteEveryPage(file);
            foreach (int size in sizes)
            {
                long calls = Math.Max(s.CopyBytesPerSize / size, 64);
                long slots = s.CopyRegionBytes / size;
                var span = new ReadOnlySpan<byte>(source, size);
                for (long i = 0; i < 16; i++)
                    file.CopyPersist(i % slots * size, span);
                long perChunk = Math.Max(calls / Chunks, 8), next = 0;
                double copy = double.MaxValue;
                for (int c = 0; c < Chunks; c++)
                {
                    long t0 = Sys.Timestamp();
                    for (long i = 0; i < perChunk; i++, next++)
                        file.CopyPersist(next % slots * size, span);
                    copy = Math.Min(copy, Sys.SecondsSince(t0) * 1e9 / perChunk);
                }
                results.Add(("copy", size, copy));
                long t1 = Sys.Timestamp();
                for (long i = 0; i < calls; i++)
                    file.Persist(i % slots * size, size);
                results.Add(("persist", size, Sys.SecondsSince(t1) * 1e9 / calls));
                results.Add(("scope-copy", size, ScopeCopy(file, span, calls, slots, size, 0)));
                using (MemoryHandle pin = file.GetMemory(0, (int)Math.Min(file.Length, int.MaxValue)).Pin())
                    results.Add(("raw-copy", size, RawCopy((byte*)pin.Pointer, source, calls, slots, size)));
                results.Add(("writers", size, TwoWriters(file, source, calls, size)));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(source);
            File.Delete(path);
        }
        // After the section's file is gone: in a VM on shadow page tables, a loop alternating between two
        // 64 MiB files ran 1 MiB copies at 2.2x the time of one file's (the same working-set effect that makes
        // a 128 MiB sweep 2x a 64 MiB one), so the consumer gets the machine to itself, as C does.
        if (consumerPath is not null)
        {
            using var consumer = new ConsumerLoop(consumerPath, s.CopyRegionBytes);
            foreach (int size in sizes)
            {
                long calls = Math.Max(s.CopyBytesPerSize / size, 64), perChunk = Math.Max(calls / Chunks, 8);
                consumer.Sweep(size, calls);
                double best = double.MaxValue;
                for (int c = 0; c < Chunks; c++)
                    best = Math.Min(best, consumer.Time(size, c * perChunk, perChunk));
                results.Add(("consumer", size, best));
            }
        }
        return results;
    }

    /// <summary>
    /// Writes every page from user space before anything is timed, as the C baseline's memset does. Prefault
    /// populates the page tables, but where a hypervisor shadows them (pmemsharp info reports it) the first
    /// user access to each page still traps to it: about 4.5 us a page here, +70 ns on every 64 B call of a
    /// first sweep. Without this pass the per-call loop, timed first, paid that and the loops after it did not.
    /// </summary>
    private static void WriteEveryPage(PmemFile file)
    {
        for (long offset = 0; offset < file.Length; offset += 1 << 30)
            file.GetSpan(offset, (int)Math.Min(1 << 30, file.Length - offset)).Clear();
        file.Persist();
    }

    /// <summary>ns per CopyPersist through one access scope, in [first, first + slots * size).</summary>
    private static double ScopeCopy(PmemFile file, ReadOnlySpan<byte> span, long calls, long slots, int size, long first)
    {
        using PmemAccessScope scope = file.BeginAccess();
        long t0 = Sys.Timestamp();
        for (long i = 0; i < calls; i++)
            scope.CopyPersist(first + i % slots * size, span);
        return Sys.SecondsSince(t0) * 1e9 / calls;
    }

    /// <summary>The floor: pmem_memcpy_persist called straight through the generated binding, on the file's pinned mapping (the same libpmem PmdkSharp loaded).</summary>
    private static double RawCopy(byte* baseAddress, byte* source, long calls, long slots, int size)
    {
        long t0 = Sys.Timestamp();
        for (long i = 0; i < calls; i++)
            Interop.Libpmem.pmem_memcpy_persist(baseAddress + i % slots * size, source, (nuint)size);
        return Sys.SecondsSince(t0) * 1e9 / calls;
    }

    /// <summary>Two threads, each with its own scope over its own half of the file; wall ns per call summed over both.</summary>
    /// <remarks>
    /// The wall time runs from the first writer's start to the last writer's end, as each writer reads the clock
    /// itself: a main thread that reads it after releasing them can be preempted until they are done (two cores
    /// under load), which once reported two writers at 4 KiB as 4312x one writer.
    /// </remarks>
    private static double TwoWriters(PmemFile file, byte* source, long calls, int size)
    {
        long half = file.Length / 2;
        if (size > half)
            return double.NaN;
        long slots = half / size;
        nint from = (nint)source;
        using var start = new System.Threading.Barrier(2);
        var threads = new System.Threading.Thread[2];
        var began = new long[2];
        var ended = new long[2];
        for (int t = 0; t < 2; t++)
        {
            int me = t;
            long first = t * half;
            threads[t] = new System.Threading.Thread(() =>
            {
                start.SignalAndWait();
                began[me] = Sys.Timestamp();
                ScopeCopy(file, new ReadOnlySpan<byte>((byte*)from, size), calls, slots, size, first);
                ended[me] = Sys.Timestamp();
            });
            threads[t].Start();
        }
        foreach (System.Threading.Thread thread in threads)
            thread.Join();
        double wallSeconds = (double)(ended.Max() - began.Min()) / System.Diagnostics.Stopwatch.Frequency;
        return wallSeconds * 1e9 / (2 * calls);
    }

    private static List<(string, int, double)> MeasureNative(string program, string path, BenchSettings s, int[] sizes)
    {
        File.Delete(path);
        try
        {
            var args = new List<string> { path, s.CopyRegionBytes.ToString(CultureInfo.InvariantCulture), s.CopyBytesPerSize.ToString(CultureInfo.InvariantCulture) };
            args.AddRange(sizes.Select(x => x.ToString(CultureInfo.InvariantCulture)));
            (int code, string output) = Sys.Run(program, args.ToArray());
            if (code != 0)
                throw new InvalidOperationException($"{program} exited with {code}: {output}");
            args.InsertRange(3, ["--writers", "2"]);
            (code, string writers) = Sys.Run(program, args.ToArray());
            if (code != 0)
                throw new InvalidOperationException($"{program} --writers 2 exited with {code}: {writers}");
            var results = new List<(string, int, double)>();
            foreach (string line in (output + "\n" + writers).Split('\n'))
            {
                string[] f = line.Trim().Split(' ');
                if (f.Length == 2 && f[0] == "is_pmem" && f[1] != "1")
                    throw new InvalidOperationException($"{program}: libpmem says the file is not pmem; PMEM_IS_PMEM_FORCE=1 was expected");
                if (f.Length == 4 && (f[0] == "copy" || f[0] == "persist"))
                    results.Add((f[0], int.Parse(f[1], CultureInfo.InvariantCulture),
                        double.Parse(f[3], CultureInfo.InvariantCulture) / double.Parse(f[2], CultureInfo.InvariantCulture)));
                if (f.Length == 5 && f[0] == "writers")
                    results.Add(("writers", int.Parse(f[2], CultureInfo.InvariantCulture),
                        double.Parse(f[4], CultureInfo.InvariantCulture) / double.Parse(f[3], CultureInfo.InvariantCulture)));
            }
            return results;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static void AddFindings(BenchReport report, ResultTable table)
    {
        // A value by column index, null where the row is shorter (a table from an older results.json).
        static double? At(ResultRow? row, int column) => row is not null && column < row.Values.Count ? row.Values[column] : null;

        var big = table.Rows.Where(r => ByteSize.Parse(r.Label) >= 4096 && At(r, 2) is not null).ToList();
        if (big.Count > 0)
        {
            ResultRow worst = big.OrderByDescending(r => r.Values[2]).First();
            report.Findings.Add(new Finding
            {
                Target = BigTarget,
                Measured = "C#/C " + string.Join(", ", big.Select(r => $"{r.Label} {r.Values[2]:F3}")) + $"; worst {worst.Label}",
                Met = worst.Values[2] <= 1 / 0.98,
            });
        }
        else
            report.Findings.Add(Finding.NotComputed(BigTarget, "no C#/C ratio at >= 4 KiB (C baseline not run?)"));

        ResultRow? small = table.Rows.FirstOrDefault(r => r.Label == "64 B");
        string noSmall = small is null ? "64 B not measured" : "no C time at 64 B (C baseline not run?)";
        if (At(small, 0) is double cs && At(small, 1) is double c)
        {
            double persistExtra = (At(small, 5) ?? double.NaN) - (At(small, 6) ?? double.NaN);
            report.Findings.Add(new Finding
            {
                Target = SmallTarget,
                Measured = $"64 B row: CopyPersist {cs:F1} ns vs C {c:F1} ns: {cs - c:+0.0;-0.0} ns; Persist {persistExtra:+0.0;-0.0} ns",
                Met = cs - c <= 10,
            });
        }
        else
            report.Findings.Add(Finding.NotComputed(SmallTarget, noSmall));

        if (At(small, 8) is double scope && At(small, 1) is double cBase)
            report.Findings.Add(new Finding
            {
                Target = ScopeTarget,
                Measured = $"64 B row: scope CopyPersist {scope:F1} ns vs C {cBase:F1} ns: {scope - cBase:+0.0;-0.0} ns (raw P/Invoke {At(small, 9):F1} ns)",
                Met = scope - cBase <= 3,
            });
        else
            report.Findings.Add(Finding.NotComputed(ScopeTarget, small is null ? noSmall : At(small, 8) is null ? "no scope time at 64 B" : noSmall));

        var two = table.Rows.Where(r => At(r, 14) is double x && !double.IsNaN(x)).ToList();
        if (two.Count > 0)
        {
            ResultRow worst = two.OrderBy(r => r.Values[14]).First();
            report.Findings.Add(new Finding
            {
                Target = WritersTarget,
                Measured = "C# " + string.Join(", ", two.Select(r => $"{r.Label} {r.Values[14]:F2}x")) + $" (C {string.Join(", ", two.Select(r => $"{At(r, 15):F2}x"))}); worst {worst.Label}",
                Met = worst.Values[14] >= 1.8,
            });
        }
        else
            report.Findings.Add(Finding.NotComputed(WritersTarget, "no two-writer ratio measured"));

        if (At(small, 0) is double perCall && At(small, 16) is double consumer)
            report.Findings.Add(new Finding
            {
                Target = ConsumerTarget,
                Measured = $"64 B row: per-call {perCall:F1} ns, consumer loop {consumer:F1} ns: {perCall / consumer:F2}x",
                Met = perCall / consumer is >= 0.8 and <= 1.25,
            });
        else
            report.Findings.Add(Finding.NotComputed(ConsumerTarget, small is null ? noSmall : "no consumer loop at 64 B"));
    }
}

/// <summary>
/// What a consumer writes: a file of its own opened with the library's defaults, and CopyPersist of a
/// managed array per record at the same offsets the section uses. One untimed sweep first: a log that
/// wraps is past its first touches, and the section's file has had its write pass.
/// </summary>
internal sealed class ConsumerLoop : IDisposable
{
    private readonly PmemFile file;
    private readonly string path;
    private readonly long region;
    private byte[] record = [];

    public ConsumerLoop(string path, long region)
    {
        this.path = path;
        this.region = region;
        File.Delete(path);
        file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.CreateNew, Length = region });
    }

    /// <summary>Writes the records the timed calls will overwrite, untimed.</summary>
    public void Sweep(int size, long calls)
    {
        record = new byte[size];
        record.AsSpan().Fill(0x5a);
        long slots = region / size;
        for (long i = 0; i < Math.Min(calls, slots); i++)
            file.CopyPersist(i * size, record);
    }

    /// <summary>ns per call of <paramref name="count"/> records from record number <paramref name="first"/> on.</summary>
    public double Time(int size, long first, long count)
    {
        long slots = region / size;
        long t0 = Sys.Timestamp();
        for (long i = first; i < first + count; i++)
            file.CopyPersist(i % slots * size, record);
        return Sys.SecondsSince(t0) * 1e9 / count;
    }

    public void Dispose()
    {
        file.Dispose();
        File.Delete(path);
    }
}
