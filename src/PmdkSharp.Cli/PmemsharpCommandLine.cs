using System;
using System.CommandLine;
using System.IO;
using System.Runtime.CompilerServices;
using PmdkSharp.Cli.Bench;
using Spectre.Console;

[assembly: InternalsVisibleTo("PmdkSharp.Cli.Tests")]

namespace PmdkSharp.Cli;

/// <summary>The <c>pmemsharp</c> command line: its commands, and how a bad one is reported.</summary>
internal static class PmemsharpCommandLine
{
    /// <summary>Exit code of a command line that does not parse (as sysexits' EX_USAGE is to BSD tools, 2 is to GNU ones).</summary>
    public const int UsageError = 2;

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("pmemsharp: what this machine offers for persistent memory, and what PmdkSharp's mapping options cost on it.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(BenchChildCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A command line that does not parse prints one line per
    /// error to <paramref name="error"/> (standard error by default) and returns <see cref="UsageError"/>.
    /// </summary>
    public static int Run(string[] args, TextWriter? error = null)
    {
        ParseResult parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error ??= Console.Error;
            foreach (var e in parsed.Errors)
                error.WriteLine($"pmemsharp: {e.Message}");
            return UsageError;
        }
        // Redirected output (CI logs, tee) would otherwise be wrapped at 80 columns.
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        return parsed.Invoke();
    }
}
