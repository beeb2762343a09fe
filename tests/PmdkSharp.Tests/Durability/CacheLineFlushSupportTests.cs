using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using PmdkSharp.FlushEngine;
using Xunit;
using Xunit.Abstractions;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Tests.Durability;

public class CacheLineFlushSupportTests(ITestOutputHelper output)
{
    private static readonly CpuFlushFeatures AllInstructions = new(Clflush: true, ClflushOpt: true, Clwb: true);

    [SkippableFact]
    public unsafe void This_machine_gets_the_best_instruction_from_a_read_execute_page()
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "x86-64 only");
        CacheLineFlushSupport support = CacheLineFlushSupport.Current;
        output.WriteLine(support.Reason);
        Assert.True(support.IsAvailable, support.Reason);
        (FlushInstruction best, _) = FlushSettings.FromEnvironment().Choose(CpuFlushFeatures.Probe());
        Assert.Equal(best, support.Instruction);
        Assert.Contains(best.ToString().ToUpperInvariant(), support.Reason, StringComparison.Ordinal);

        // Never writable and executable: the kernel's view of the page, and its content is the emitted code.
        nuint code = support.Flusher!.CodeAddress;
        Assert.Equal("r-xp", PermissionsAt(code));
        byte[] emitted = FlushCodeEmitter.Emit(best).Bytes;
        Assert.Equal(emitted, new ReadOnlySpan<byte>((void*)code, emitted.Length).ToArray());
    }

    [SkippableTheory]
    [InlineData(13, "errno 13")] // EACCES: SELinux execmem, PaX
    [InlineData(1, "errno 1")]   // EPERM: a seccomp filter
    public void Refused_mprotect_gives_no_flusher_and_says_why(int errno, string expected)
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "x86-64 only");
        var support = CacheLineFlushSupport.Create(Architecture.X64, AllInstructions, FlushSettings.Default, new CodePageFaults(MprotectErrno: errno));
        output.WriteLine(support.Reason);
        Assert.False(support.IsAvailable);
        Assert.Null(support.Flusher);
        Assert.Equal(FlushInstruction.Clwb, support.Instruction);
        Assert.Contains("mprotect(PROT_READ|PROT_EXEC)", support.Reason, StringComparison.Ordinal);
        Assert.Contains(expected, support.Reason, StringComparison.Ordinal);
        Assert.Contains("W^X", support.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Refused_mmap_says_so()
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "x86-64 only");
        var support = CacheLineFlushSupport.Create(Architecture.X64, AllInstructions, FlushSettings.Default, new CodePageFaults(MmapErrno: ENOMEM));
        output.WriteLine(support.Reason);
        Assert.False(support.IsAvailable);
        Assert.Contains("mmap", support.Reason, StringComparison.Ordinal);
        Assert.Contains($"errno {ENOMEM}", support.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_architectures_are_told_what_aarch64_would_need()
    {
        var support = CacheLineFlushSupport.Create(Architecture.Arm64, AllInstructions, FlushSettings.Default, default);
        output.WriteLine(support.Reason);
        Assert.False(support.IsAvailable);
        Assert.Equal(FlushInstruction.None, support.Instruction);
        Assert.Contains("x86-64 only", support.Reason, StringComparison.Ordinal);
        Assert.Contains("Arm64", support.Reason, StringComparison.Ordinal);
        Assert.Contains("DC CVAP", support.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cpu_without_flush_instructions_is_named()
    {
        var support = CacheLineFlushSupport.Create(Architecture.X64, default, FlushSettings.Default, default);
        Assert.False(support.IsAvailable);
        Assert.Contains("CPU reports none", support.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Environment_choices_show_in_the_reason()
    {
        Skip.IfNot(RuntimeInformation.ProcessArchitecture == Architecture.X64, "x86-64 only");
        CpuFlushFeatures cpu = CpuFlushFeatures.Probe();
        Skip.IfNot(cpu.Clwb && cpu.ClflushOpt, "needs a CPU with CLWB and CLFLUSHOPT");
        var support = CacheLineFlushSupport.Create(Architecture.X64, cpu,
            FlushSettings.Default with { NoClwb = true, NoMovnt = true }, default);
        output.WriteLine(support.Reason);
        Assert.True(support.IsAvailable, support.Reason);
        Assert.Equal(FlushInstruction.ClflushOpt, support.Instruction);
        Assert.False(support.Flusher!.UsesNonTemporalStores);
        Assert.Contains("PMEM_NO_CLWB=1", support.Reason, StringComparison.Ordinal);
        Assert.Contains("PMEM_NO_MOVNT=1", support.Reason, StringComparison.Ordinal);
        support.Flusher.Dispose();
    }

    private static string PermissionsAt(nuint address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', 3);
            string[] range = fields[0].Split('-');
            nuint from = nuint.Parse(range[0], System.Globalization.NumberStyles.HexNumber);
            nuint to = nuint.Parse(range[1], System.Globalization.NumberStyles.HexNumber);
            if (address >= from && address < to)
                return fields[1];
        }
        throw new InvalidOperationException($"0x{address:x} is not mapped");
    }
}
