using System.CommandLine;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary><c>log verify FILE</c>: checks every committed record (length, its complement, checksum); read-only.</summary>
internal static class LogVerifyCommand
{
    public static Command Create()
    {
        Argument<string> file = LogOptions.File();
        var command = new Command("verify",
            $"Check every committed record's length, complement and checksum without writing. Exit 0 when intact, {LogExitCodes.DamagedRecord} at the first damaged record (its position and the intact count are printed).");
        command.Arguments.Add(file);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output, error = result.InvocationConfiguration.Error;
            using PmemLog? log = LogOpener.TryOpen(result.GetValue(file)!, error, out int code);
            if (log is null)
                return code;
            LogVerification verification = log.Verify();
            if (verification.IsValid)
            {
                output.WriteLine($"intact: {verification.Records} records from {log.Start} to {verification.End}");
                return LogExitCodes.Ok;
            }
            output.WriteLine($"damaged at {verification.CorruptAt}: {verification.Error}");
            output.WriteLine($"intact: {verification.Records} records from {log.Start} to {verification.IntactEnd}; the committed end is {verification.End}");
            return LogExitCodes.DamagedRecord;
        });
        return command;
    }
}
