using System.Diagnostics;
using Xunit;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>Runs a system command (mount, truncate, stat, ...) for a test.</summary>
public static class Command
{
    /// <summary>Runs the command; fails the test with its error output when it exits non-zero, else returns its output, trimmed.</summary>
    public static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} failed: {error.Result}");
        return output.Trim();
    }
}
