using System;
using System.CommandLine;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using PmdkSharp.Cli.Bench;
using PmdkSharp.Cli.Log;
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
        var root = new RootCommand("pmemsharp: what this machine offers for persistent memory, what PmdkSharp's mapping options cost on it, and what a PmemLog holds.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(BenchChildCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A command line that does not parse prints one line per
    /// error to <paramref name="error"/> (standard error by default) and returns <see cref="UsageError"/>.
    /// The <c>log</c> commands write their results to <paramref name="output"/> (standard output by
    /// default, buffered: a dump is not one write(2) per record) and their failures to <paramref name="error"/>.
    /// </summary>
    public static int Run(string[] args, TextWriter? error = null, TextWriter? output = null)
    {
        ParseResult parsed = CreateRoot().Parse(args);
        error ??= Console.Error;
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
                error.WriteLine($"pmemsharp: {e.Message}");
            return UsageError;
        }
        // Redirected output (CI logs, tee) would otherwise be wrapped at 80 columns.
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        using TextWriter standardOutput = output is null
            ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 << 10)
            : TextWriter.Null;
        output ??= standardOutput;
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        }
        finally
        {
            output.Flush();
        }
    }
}
