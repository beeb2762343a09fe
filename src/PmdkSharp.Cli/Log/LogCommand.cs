using System.CommandLine;

namespace PmdkSharp.Cli.Log;

/// <summary><c>pmemsharp log info|verify|dump|follow FILE</c>: a PmemLog seen from a shell, read-only.</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var command = new Command("log", "Look into a PmemLog file without changing it: its header and records, a check of every record, a dump, or a follow.");
        command.Subcommands.Add(LogInfoCommand.Create());
        command.Subcommands.Add(LogVerifyCommand.Create());
        command.Subcommands.Add(LogDumpCommand.Create());
        command.Subcommands.Add(LogFollowCommand.Create());
        return command;
    }
}
