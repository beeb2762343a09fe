using System.IO;
using System.Text.RegularExpressions;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Runtime;

/// <summary>What <see cref="PmemRuntime.GetDiagnostics"/> reports inside the test process, where libpmem comes from the system.</summary>
public sealed class PmemRuntimeDiagnosticsTests
{
    [SkippableFact]
    public void ReportsThePmdkBackendAndTheSystemLibpmemFile()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        SkipWhenSteered();

        PmemDiagnostics diagnostics = PmemRuntime.GetDiagnostics();

        Assert.Equal(PmemBackendKind.Pmdk, diagnostics.Backend);
        Assert.Equal(PmemBackendKind.Pmdk, PmemRuntime.DefaultBackend);
        Assert.Null(diagnostics.PmdkUnavailableReason);
        Assert.Equal(NativeLibrarySource.System, diagnostics.LibpmemSource);
        Assert.NotNull(diagnostics.LibpmemPath);
        // The file the loader opened (read from /proc/self/maps), not just the SONAME it was asked for.
        Assert.True(Path.IsPathRooted(diagnostics.LibpmemPath), diagnostics.LibpmemPath);
        Assert.True(File.Exists(diagnostics.LibpmemPath), diagnostics.LibpmemPath);
        Assert.StartsWith("libpmem.so.1", Path.GetFileName(diagnostics.LibpmemPath));
        Assert.Contains(diagnostics.LibpmemPath, diagnostics.Reason);
        Assert.Matches(new Regex(@"^\d+\.\d+$"), diagnostics.LibpmemVersion);
        Assert.NotNull(diagnostics.HasHardwareDrain);
    }

    [SkippableFact]
    public void ReportsLibpmem2BesideLibpmem()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        SkipWhenSteered();

        PmemDiagnostics diagnostics = PmemRuntime.GetDiagnostics();

        Assert.Equal(NativeLibrarySource.System, diagnostics.Libpmem2Source);
        Assert.True(File.Exists(diagnostics.Libpmem2Path), diagnostics.Libpmem2Path);
        Assert.StartsWith("libpmem2.so.1", Path.GetFileName(diagnostics.Libpmem2Path));
    }

    [Fact]
    public void ReportsWhetherPmemIsForcedAsTheEnvironmentSaysIt()
    {
        bool? expected = System.Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE") switch
        {
            "1" => true,
            "0" => false,
            _ => null,
        };

        Assert.Equal(expected, PmemRuntime.GetDiagnostics().PmemForced);
    }

    /// <summary>These cases describe the unsteered default; the child-process tests cover the variables.</summary>
    private static void SkipWhenSteered()
    {
        foreach (string name in new[] { "PMDKSHARP_BACKEND", "PMDKSHARP_LIBPMEM_PATH", "PMDKSHARP_LIBPMEM2_PATH" })
            Skip.IfNot(string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(name)), $"{name} is set for this run");
    }
}
