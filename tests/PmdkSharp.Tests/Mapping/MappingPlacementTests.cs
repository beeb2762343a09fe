using System;
using System.Threading;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Tests.Mapping;

/// <summary>
/// Opening a file never replaces memory another thread mapped. On a file system that refuses
/// MAP_SYNC late (ext4 without DAX), a MAP_FIXED attempt leaves a hole where its range was; a
/// neighbour's mmap lands there, and the next MAP_FIXED would silently replace the neighbour's
/// memory (in a real process: the GC heap, or another file's mapping).
/// </summary>
public class MappingPlacementTests
{
    private readonly ITestOutputHelper output;

    public MappingPlacementTests(ITestOutputHelper output) => this.output = output;

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public unsafe void Opening_never_replaces_a_mapping_another_thread_made(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        // Growable, so both backends map through the library's own placement (a fixed-size PMDK
        // file goes to pmem_map_file); no prefault, so a replaced range is reported, not touched.
        const long MaxLength = 4 << 20;
        PmemFileOptions options = test.Options(64 << 10, MaxLength) with { Prefault = PrefaultMode.None };
        using (test.Open(options)) { }
        options = options with { Mode = System.IO.FileMode.Open };

        var neighbour = new Neighbour();
        var thread = new Thread(neighbour.Run) { IsBackground = true };
        thread.Start();
        int opens = 0;
        string? replaced = null;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(3);
            while (DateTime.UtcNow < deadline && replaced is null)
            {
                using PmemFile file = test.Open(options);
                opens++;
                nuint start = file.BaseAddress, held = neighbour.Held;
                // Two live mappings never overlap unless one replaced the other.
                if (held >= start && held < start + (nuint)MaxLength)
                    replaced = $"open {opens} mapped the file over 0x{held:x}, which the other thread had mapped (file at 0x{start:x})";
                neighbour.Target = start + Neighbour.Offset;
            }
        }
        finally
        {
            neighbour.Stop = true;
            thread.Join();
        }
        output.WriteLine($"{opens} opens; the other thread mapped {neighbour.Taken} times inside a file's last range");
        Assert.True(replaced is null, replaced);
    }

    /// <summary>
    /// Keeps trying to map 1 MiB inside the range the last opened file used, without replacing
    /// anything (MAP_FIXED_NOREPLACE): it succeeds whenever that range is free (between a Dispose
    /// and the next open, or in a hole a failed MAP_FIXED left), holds it briefly, then lets go.
    /// </summary>
    private sealed unsafe class Neighbour
    {
        public const nuint Offset = 1 << 20;
        private const nuint Size = 1 << 20;

        public volatile bool Stop;

        /// <summary>Where to map next.</summary>
        public nuint Target;

        /// <summary>The start of the range this thread holds mapped now, or 0.</summary>
        public nuint Held;

        public int Taken;

        public void Run()
        {
            while (!Stop)
            {
                nuint target = Volatile.Read(ref Target);
                if (target == 0)
                    continue;
                void* mapped = mmap((void*)target, Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                if (mapped == (void*)MAP_FAILED)
                    continue;
                if ((nuint)mapped == target)
                {
                    Volatile.Write(ref Held, target);
                    Taken++;
                    Thread.SpinWait(2000);
                    Volatile.Write(ref Held, 0);
                }
                munmap(mapped, Size);
            }
        }
    }
}
