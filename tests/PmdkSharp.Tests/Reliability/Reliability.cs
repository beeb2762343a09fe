using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using PmdkSharp.Tests.Infrastructure;
using PmdkSharp.Tests.Runtime;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Reliability;

/// <summary>
/// Short mode (CI) or long mode (PMDKSHARP_LONG=1, `./build.sh reliability`), and where the
/// figures go: the test output, plus a line per test appended to PMDKSHARP_RELIABILITY_REPORT.
/// </summary>
internal static class ReliabilityRun
{
    public static readonly bool Long = Environment.GetEnvironmentVariable("PMDKSHARP_LONG") == "1";

    private static readonly object ReportLock = new();

    public static string Mode => Long ? "long" : "short";

    /// <summary>Which run this is, as build.sh names them: emulated pmem or the msync path.</summary>
    public static string Setting => TestEnvironment.PmemForced ? "PMEM_IS_PMEM_FORCE=1" : "unforced";

    public static void Report(ITestOutputHelper output, string test, string figures)
    {
        string line = $"{Mode}\t{Setting}\t{test}\t{figures}";
        output.WriteLine(line);
        string? file = Environment.GetEnvironmentVariable("PMDKSHARP_RELIABILITY_REPORT");
        if (string.IsNullOrEmpty(file))
            return;
        lock (ReportLock)
            File.AppendAllText(file, line + Environment.NewLine);
    }
}

/// <summary>Starts PmdkSharp.TestHost for the reliability cases, optionally through a wrapper (bash for ulimit, setpriv for another user).</summary>
internal static class ChildHost
{
    public static ProcessStartInfo StartInfo(string[] args, bool redirectInput = false)
    {
        ProcessStartInfo start = TestHostProcess.StartInfo(args);
        start.RedirectStandardInput = redirectInput;
        return start;
    }

    /// <summary>Runs <paramref name="prefix"/> (a wrapper command line) then the host; returns exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string[] args, IReadOnlyList<string>? prefix = null)
    {
        ProcessStartInfo host = StartInfo(args);
        ProcessStartInfo start = host;
        if (prefix is not null)
        {
            start = new ProcessStartInfo(prefix[0])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            for (int i = 1; i < prefix.Count; i++)
                start.ArgumentList.Add(prefix[i]);
            start.ArgumentList.Add(host.FileName);
            foreach (string arg in host.ArgumentList)
                start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"test host timed out: {string.Join(' ', args)}");
        }
        return (process.ExitCode, stdout.Trim(), stderr.Result.Trim());
    }

    /// <summary>The tab-separated fields of the "result" line a command printed.</summary>
    public static string[] ResultFields((int ExitCode, string Stdout, string Stderr) run)
    {
        foreach (string line in run.Stdout.Split('\n'))
            if (line.StartsWith("result\t", StringComparison.Ordinal))
                return line.TrimEnd('\r').Split('\t');
        throw new InvalidOperationException($"no result line (exit {run.ExitCode})\nstdout: {run.Stdout}\nstderr: {run.Stderr}");
    }
}
