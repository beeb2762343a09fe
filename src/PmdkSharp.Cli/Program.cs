using System;
using System.CommandLine;
using PmdkSharp.Cli;
using PmdkSharp.Cli.Bench;
using Spectre.Console;

// Redirected output (CI logs, tee) would otherwise be wrapped at 80 columns.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = 160;

var root = new RootCommand("pmemsharp: what this machine offers for persistent memory, and what PmdkSharp's mapping options cost on it.");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
