using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Runtime;

/// <summary>
/// The suite is built for every framework the library ships (net8.0, net10.0); each build must run
/// on that framework's own runtime and load the library's assembly for it, or a net8.0-only break
/// would pass unnoticed on a newer runtime that rolls forward.
/// </summary>
public sealed class TargetFrameworkTests
{
    private readonly ITestOutputHelper output;

    public TargetFrameworkTests(ITestOutputHelper output) => this.output = output;

    private static int ExpectedMajor => int.Parse(TestHostProcess.TargetFramework["net".Length..].Split('.')[0]);

    [Fact]
    public void The_tests_run_on_the_runtime_of_their_target_framework_with_the_library_built_for_it()
    {
        string library = typeof(PmemFile).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName;
        output.WriteLine($"{TestHostProcess.TargetFramework}: runtime {Environment.Version} ({RuntimeInformation.FrameworkDescription}) " +
            $"from {RuntimeEnvironment.GetRuntimeDirectory()}, self-contained {TestHostProcess.SelfContained}, PmdkSharp built for {library}");

        Assert.Equal(ExpectedMajor, Environment.Version.Major);
        Assert.Equal(typeof(TargetFrameworkTests).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName, library);
    }

    [Fact]
    public void The_test_host_child_runs_on_the_same_runtime()
    {
        TestHostProcess.Result result = TestHostProcess.Run(new Dictionary<string, string?>(), new[] { "runtime" });
        Assert.True(result.ExitCode == 0, result.ToString());
        JsonElement json = result.Json;
        output.WriteLine(result.Stdout);

        Assert.Equal(Environment.Version.ToString(), json.GetProperty("Version").GetString());
        Assert.Equal(typeof(PmemFile).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName,
            json.GetProperty("LibraryFramework").GetString());
    }
}
