using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace PmdkSharp.Cli.Bench;

/// <summary>
/// CopyPersist and Persist per call, 64 B to 1 MiB, against native/bench/copy_persist.c doing the
/// same calls on the same kind of file straight through libpmem. Rounds alternate C# and C and the
/// best of each is kept, so a noisy neighbour hurts both alike.
/// </summary>
internal sealed unsafe class CopyPersistBench : IBenchSection
{
    private const string BigTarget = "copy-persist: CopyPersist within 5% of C for >= 4 KiB";
    private const string SmallTarget = "copy-persist: at most 15 ns extra per call at 64 B";

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
            context.Report.Findings.Add(Finding.NotComputed(BigTarget, "no tmpfs or DAX directory among --dir"));
            context.Report.Findings.Add(Finding.NotComputed(SmallTarget, "no tmpfs or DAX directory among --dir"));
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
            foreach ((string op, int size, double ns) in MeasureManaged(dir.File("copy-persist-cs.bin"), s, sizes))
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
            Note = $"Fixed-size {Format.Bytes(s.CopyRegionBytes)} file on {dir.Label} mapped by pmem_map_file on both sides and prefaulted; "
                + $"calls walk the file in order; best of {s.CopyRounds} alternating rounds. ns are per call.",
            Columns = ["C# CopyPersist ns", "C memcpy_persist ns", "CopyPersist C#/C", "C# GB/s", "C GB/s",
                "C# Persist ns", "C persist ns", "Persist C#/C"],
        };
        foreach (int size in sizes)
        {
            double? Get(string side, string op) => best.TryGetValue((side, op, size), out double v) ? v : null;
            double? csCopy = Get("C#", "copy"), cCopy = Get("C", "copy"), csPersist = Get("C#", "persist"), cPersist = Get("C", "persist");
            table.Add(Format.Bytes(size), csCopy, cCopy, csCopy / cCopy, size / csCopy, size / cCopy,
                csPersist, cPersist, csPersist / cPersist);
        }
        return table;
    }

    private static List<(string, int, double)> MeasureManaged(string path, BenchSettings s, int[] sizes)
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
            foreach (int size in sizes)
            {
                long calls = Math.Max(s.CopyBytesPerSize / size, 64);
                long slots = s.CopyRegionBytes / size;
                var span = new ReadOnlySpan<byte>(source, size);
                for (long i = 0; i < 16; i++)
                    file.CopyPersist(i % slots * size, span);
                long t0 = Sys.Timestamp();
                for (long i = 0; i < calls; i++)
                    file.CopyPersist(i % slots * size, span);
                results.Add(("copy", size, Sys.SecondsSince(t0) * 1e9 / calls));
                t0 = Sys.Timestamp();
                for (long i = 0; i < calls; i++)
                    file.Persist(i % slots * size, size);
                results.Add(("persist", size, Sys.SecondsSince(t0) * 1e9 / calls));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(source);
            File.Delete(path);
        }
        return results;
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
            var results = new List<(string, int, double)>();
            foreach (string line in output.Split('\n'))
            {
                string[] f = line.Trim().Split(' ');
                if (f.Length == 2 && f[0] == "is_pmem" && f[1] != "1")
                    throw new InvalidOperationException($"{program}: libpmem says the file is not pmem; PMEM_IS_PMEM_FORCE=1 was expected");
                if (f.Length == 4 && (f[0] == "copy" || f[0] == "persist"))
                    results.Add((f[0], int.Parse(f[1], CultureInfo.InvariantCulture),
                        double.Parse(f[3], CultureInfo.InvariantCulture) / double.Parse(f[2], CultureInfo.InvariantCulture)));
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
        var big = table.Rows.Where(r => ByteSize.Parse(r.Label) >= 4096 && r.Values[2] is not null).ToList();
        if (big.Count > 0)
        {
            ResultRow worst = big.OrderByDescending(r => r.Values[2]).First();
            report.Findings.Add(new Finding
            {
                Target = BigTarget,
                Measured = "C#/C " + string.Join(", ", big.Select(r => $"{r.Label} {r.Values[2]:F3}")) + $"; worst {worst.Label}",
                Met = worst.Values[2] <= 1.05,
            });
        }
        else
            report.Findings.Add(Finding.NotComputed(BigTarget, "no C#/C ratio at >= 4 KiB (C baseline not run?)"));

        ResultRow? small = table.Rows.FirstOrDefault(r => r.Label == "64 B");
        if (small?.Values[0] is double cs && small.Values[1] is double c)
        {
            double persistExtra = (small.Values[5] ?? double.NaN) - (small.Values[6] ?? double.NaN);
            report.Findings.Add(new Finding
            {
                Target = SmallTarget,
                Measured = $"CopyPersist {cs:F1} ns vs C {c:F1} ns: {cs - c:+0.0;-0.0} ns; Persist {persistExtra:+0.0;-0.0} ns",
                Met = cs - c <= 15,
            });
        }
        else
            report.Findings.Add(Finding.NotComputed(SmallTarget, small is null ? "64 B not measured" : "no C time at 64 B (C baseline not run?)"));
    }
}
