using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Versioning;
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

    /// <summary>PmdkSharp.TestHost.dll, for tests that start it themselves (Reliability/ChildHost).</summary>
    public static string HostDllPath => HostDll.Value;

    /// <summary>The directory holding PmdkSharp.TestHost.dll and its dependencies.</summary>
    public static string HostDirectory => Path.GetDirectoryName(HostDll.Value)!;

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

    /// <summary>Runs <c>dotnet [hostDll] args</c> with <paramref name="environment"/> on top of a cleaned copy of ours.</summary>
    public static Result Run(IReadOnlyDictionary<string, string?> environment, string[] args, string? hostDll = null)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostDll ?? HostDll.Value);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
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
    internal static string DotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            return fromSdk;
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>
    /// The test host built beside this assembly: the project references it (without referencing
    /// its assembly) so any build of the tests builds it too, in the same configuration, at
    /// tests/PmdkSharp.TestHost/bin/&lt;configuration&gt;/&lt;framework&gt;/: the framework this
    /// assembly was built for when the host has it, else the host's only one.
    /// </summary>
    private static string FindHostDll()
    {
        string configuration = typeof(TestHostProcess).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string project = Path.Combine(directory.FullName, "tests", "PmdkSharp.TestHost");
            if (!Directory.Exists(project))
                continue;
            string bin = Path.Combine(project, "bin", configuration);
            string dll = Path.Combine(bin, FrameworkFolder(), "PmdkSharp.TestHost.dll");
            if (File.Exists(dll))
                return dll;
            string[] built = Directory.Exists(bin)
                ? Directory.GetFiles(bin, "PmdkSharp.TestHost.dll", SearchOption.AllDirectories)
                    .Where(f => Path.GetDirectoryName(Path.GetDirectoryName(f)) == bin).ToArray()
                : [];
            if (built.Length == 1)
                return built[0];
            throw new FileNotFoundException(
                $"PmdkSharp.TestHost is not built for {configuration} ({FrameworkFolder()}): build the solution (./build.sh build) first.", dll);
        }
        throw new DirectoryNotFoundException($"No tests/PmdkSharp.TestHost above {AppContext.BaseDirectory}.");
    }

    /// <summary>This assembly's target framework as an output folder name: ".NETCoreApp,Version=v10.0" -> "net10.0".</summary>
    private static string FrameworkFolder()
    {
        string? name = typeof(TestHostProcess).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
        int v = name?.IndexOf(",Version=v", StringComparison.Ordinal) ?? -1;
        return v < 0 ? Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)) : "net" + name![(v + ",Version=v".Length)..];
    }
}
