using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;

namespace PmdkSharp.Cli.Bench;

/// <summary>The options <c>bench</c> and its child process share, typed and checked while parsing.</summary>
internal static class BenchOptions
{
    /// <summary><c>--size 16M</c>: a byte count; a value that is not one is a parse error, not an exception.</summary>
    public static Option<long?> Size() => new("--size")
    {
        Description = "Scale everything from this file size (e.g. 16M, 1G) for a smoke run; overrides --quick",
        HelpName = "SIZE",
        CustomParser = ParseSize,
    };

    public static Option<bool> Quick() => new("--quick")
    {
        Description = "About a minute on 2 cores: 256 MiB files, growth to 2 GiB, short timings",
    };

    /// <summary><c>--only growth,first-touch</c> (or repeated): section names from <see cref="BenchSections.Names"/>.</summary>
    public static Option<string[]> Only()
    {
        var option = new Option<string[]>("--only")
        {
            Description = $"Sections to run, comma-separated or repeated: {string.Join(", ", BenchSections.Names)}",
            HelpName = "SECTION",
            CustomParser = ParseSections,
        };
        option.CompletionSources.Add(BenchSections.Names);
        return option;
    }

    public static Option<string?> NativeBench() => new("--native-bench")
    {
        Description = "The C baseline (native/bench/copy_persist.c, built by ./build.sh); found under .build/native by default",
    };

    /// <summary>The run size the options select: --size wins over --quick; neither is the full run.</summary>
    public static BenchSettings Settings(long? size, bool quick) =>
        size is { } bytes ? BenchSettings.Scaled(bytes) : quick ? BenchSettings.Quick : BenchSettings.Full;

    private static long? ParseSize(ArgumentResult result)
    {
        string text = result.Tokens.Single().Value;
        if (ByteSize.TryParse(text, out long bytes, out string error))
            return bytes;
        result.AddError($"--size: {error}");
        return null;
    }

    private static string[] ParseSections(ArgumentResult result)
    {
        string[] names = result.Tokens
            .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (names.FirstOrDefault(n => !BenchSections.Names.Contains(n, StringComparer.Ordinal)) is { } unknown)
            result.AddError($"--only: unknown section '{unknown}'; sections are {string.Join(", ", BenchSections.Names)}");
        else if (names.Length == 0)
            result.AddError("--only: no section named");
        return names;
    }
}
