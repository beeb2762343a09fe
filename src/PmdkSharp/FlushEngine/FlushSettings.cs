using System;
using System.Globalization;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// The libpmem environment variables that steer flushing and copying, read the way libpmem reads
/// them so that one setting means the same on both backends: <c>PMEM_NO_CLWB=1</c>,
/// <c>PMEM_NO_CLFLUSHOPT=1</c> and <c>PMEM_NO_MOVNT=1</c> (exactly "1"), and
/// <c>PMEM_MOVNT_THRESHOLD</c> (atoll: leading digits, a negative value is ignored).
/// </summary>
internal readonly record struct FlushSettings(bool NoClwb, bool NoClflushOpt, bool NoMovnt, nuint MovntThreshold)
{
    /// <summary>libpmem's default: copies and fills of 256 bytes or more use non-temporal stores.</summary>
    public const int DefaultMovntThreshold = 256;

    public static FlushSettings Default => new(false, false, false, DefaultMovntThreshold);

    public static FlushSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static FlushSettings From(Func<string, string?> variable) => new(
        variable("PMEM_NO_CLWB") == "1",
        variable("PMEM_NO_CLFLUSHOPT") == "1",
        variable("PMEM_NO_MOVNT") == "1",
        ParseThreshold(variable("PMEM_MOVNT_THRESHOLD")));

    /// <summary>
    /// The best instruction the CPU has that the settings allow, with the words that say why:
    /// CLWB, else CLFLUSHOPT, else CLFLUSH (which libpmem never lets the environment turn off).
    /// </summary>
    public (FlushInstruction Instruction, string Why) Choose(CpuFlushFeatures cpu)
    {
        string skipped = "";
        if (cpu.Clwb)
        {
            if (!NoClwb)
                return (FlushInstruction.Clwb, "CLWB");
            skipped += ", CLWB turned off by PMEM_NO_CLWB=1";
        }
        if (cpu.ClflushOpt)
        {
            if (!NoClflushOpt)
                return (FlushInstruction.ClflushOpt, "CLFLUSHOPT" + skipped);
            skipped += ", CLFLUSHOPT turned off by PMEM_NO_CLFLUSHOPT=1";
        }
        if (cpu.Clflush)
            return (FlushInstruction.Clflush, "CLFLUSH" + skipped);
        return (FlushInstruction.None, "the CPU reports none of CLWB, CLFLUSHOPT, CLFLUSH (CPUID)");
    }

    /// <summary>atoll semantics: optional sign and leading digits, anything else ends the number; negative keeps the default.</summary>
    internal static nuint ParseThreshold(string? text)
    {
        if (text is null)
            return DefaultMovntThreshold;
        ReadOnlySpan<char> s = text.AsSpan().TrimStart();
        int sign = 1;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            sign = s[0] == '-' ? -1 : 1;
            s = s[1..];
        }
        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            digits++;
        if (digits == 0)
            return 0;
        if (!ulong.TryParse(s[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
            value = ulong.MaxValue; // atoll saturates
        if (sign < 0 && value != 0)
            return DefaultMovntThreshold;
        return (nuint)Math.Min(value, (ulong)nuint.MaxValue);
    }
}
