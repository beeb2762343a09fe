using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Text.Json;

namespace PmdkSharp.Tests.Runtime;

/// <summary>
/// Runs PmdkSharp.TestHost as a child process with a chosen environment: backend choice and
/// library resolution happen once per process, so each case needs a fresh one.
/// </summary>
internal static class TestHostProcess
{
    /// <summary>Variables that steer PmdkSharp; a child starts without them unless a case sets them.</summary>
    private static readonly string[] SteeringVariables =
        { "PMDKSHARP_BACKEND", "PMDKSHARP_LIBPMEM_PATH", "PMDKSHARP_LIBPMEM2_PATH" };

    private static readonly Lazy<string> HostDll = new(FindHostDll);

    /// <summary>The directory holding PmdkSharp.TestHost.dll and its dependencies.</summary>
    public static string HostDirectory => Path.GetDirectoryName(HostDll.Value)!;

    /// <summary>
    /// Whether this process runs on a runtime shipped inside its own directory (the net8.0 build,
    /// where only .NET 10 is installed): its children must then be started the same way.
    /// </summary>
    public static bool SelfContained { get; } = string.Equals(
        Path.TrimEndingDirectorySeparator(Path.GetDirectoryName(typeof(object).Assembly.Location)!),
        Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), StringComparison.Ordinal);

    /// <summary>
    /// A start for the test host in <paramref name="hostDirectory"/> (default: the one built beside
    /// this assembly), on the runtime this process runs on: its apphost when self-contained, else
    /// <c>dotnet PmdkSharp.TestHost.dll</c>.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? hostDirectory = null)
    {
        string directory = hostDirectory ?? HostDirectory;
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (SelfContained)
        {
            start.FileName = Path.Combine(directory, "PmdkSharp.TestHost");
        }
        else
        {
            start.FileName = DotnetHost();
            start.ArgumentList.Add(Path.Combine(directory, "PmdkSharp.TestHost.dll"));
        }
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        return start;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json
        {
            get
            {
                if (string.IsNullOrWhiteSpace(Stdout))
                    throw new InvalidOperationException($"The test host printed nothing (exit {ExitCode}); stderr: {Stderr}");
                return JsonDocument.Parse(Stdout).RootElement;
            }
        }

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Runs the test host (in <paramref name="hostDirectory"/>) with <paramref name="environment"/> on top of a cleaned copy of ours.</summary>
    public static Result Run(IReadOnlyDictionary<string, string?> environment, string[] args, string? hostDirectory = null)
    {
        ProcessStartInfo start = StartInfo(args, hostDirectory);
        foreach (string name in SteeringVariables)
            start.Environment.Remove(name);
        foreach ((string name, string? value) in environment)
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test host.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The test host did not exit within two minutes: {string.Join(' ', args)}");
        }
        return new Result(process.ExitCode, stdout.Trim(), stderr.Result.Trim());
    }

    /// <summary>The dotnet muxer running this test process (the SDK sets DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    private static string DotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            return fromSdk;
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>
    /// The test host built beside this assembly: the project references it (without referencing
    /// its assembly) so any build of the tests builds it too, in the same configuration and target
    /// framework, at tests/PmdkSharp.TestHost/bin/&lt;configuration&gt;/&lt;framework&gt;/[linux-x64/].
    /// </summary>
    private static string FindHostDll()
    {
        string configuration = typeof(TestHostProcess).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string output = Path.Combine("bin", configuration, TargetFramework, SelfContained ? "linux-x64" : "");
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string project = Path.Combine(directory.FullName, "tests", "PmdkSharp.TestHost");
            if (!Directory.Exists(project))
                continue;
            string dll = Path.Combine(project, output, "PmdkSharp.TestHost.dll");
            if (File.Exists(dll))
                return dll;
            throw new FileNotFoundException(
                $"PmdkSharp.TestHost is not built for {configuration} {TargetFramework}: build the solution (./build.sh build) first.", dll);
        }
        throw new DirectoryNotFoundException($"No tests/PmdkSharp.TestHost above {AppContext.BaseDirectory}.");
    }

    /// <summary>This assembly's target framework as a folder name (".NETCoreApp,Version=v8.0" is net8.0).</summary>
    public static string TargetFramework { get; } = "net" + typeof(TestHostProcess).Assembly
        .GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>()!.FrameworkName.Split("Version=v")[1];
}
