using System;
using System.IO;
using System.Linq;
using Xunit;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>
/// Where and how the suite runs, from the environment build.sh sets: the directories to test
/// in (PMDKSHARP_TEST_DIRS), whether pmem is emulated (PMEM_IS_PMEM_FORCE=1), and whether a
/// missing libpmem is a failure (PMDKSHARP_REQUIRE_PMDK=1, set by CI) or a skip.
/// </summary>
public static class TestEnvironment
{
    public static readonly bool PmemForced = Environment.GetEnvironmentVariable("PMEM_IS_PMEM_FORCE") == "1";

    public static readonly bool RequirePmdk = Environment.GetEnvironmentVariable("PMDKSHARP_REQUIRE_PMDK") == "1";

    /// <summary>Directories on a DAX file system (set inside the VM), where mappings are pmem without forcing.</summary>
    public static readonly string[] DaxDirectories = Split(Environment.GetEnvironmentVariable("PMDKSHARP_DAX_DIR"));

    public static readonly string[] Directories = Split(Environment.GetEnvironmentVariable("PMDKSHARP_TEST_DIRS"))
        is { Length: > 0 } dirs ? dirs : new[] { "/dev/shm", "/var/tmp/pmdksharp-tests" };

    public static readonly PmemBackendKind[] Backends = { PmemBackendKind.Pmdk, PmemBackendKind.Managed };

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Whether <paramref name="directory"/> is on a DAX file system (inside the VM): no page cache there.</summary>
    public static bool IsDax(string directory) =>
        DaxDirectories.Any(d => Path.GetFullPath(directory).StartsWith(Path.GetFullPath(d), StringComparison.Ordinal));

    /// <summary>Whether a mapping in <paramref name="directory"/> should report persistent memory.</summary>
    public static bool ExpectPmem(string directory) =>
        PmemForced || DaxDirectories.Any(d => Path.GetFullPath(directory).StartsWith(Path.GetFullPath(d), StringComparison.Ordinal));

    /// <summary>Skips (or, in CI, fails) a PMDK case when libpmem cannot be loaded.</summary>
    public static void Require(PmemBackendKind backend)
    {
        if (backend != PmemBackendKind.Pmdk || PmemRuntime.IsPmdkAvailable)
            return;
        string reason = PmemRuntime.GetDiagnostics().PmdkUnavailableReason ?? "libpmem is unavailable";
        if (RequirePmdk)
            Assert.Fail($"PMDKSHARP_REQUIRE_PMDK=1 but {reason}");
        Skip.If(true, reason);
    }

    private static string[] Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Array.Empty<string>() : value.Split(':', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Theory data: every backend in every test directory.</summary>
public sealed class BackendsAndDirectories : TheoryData<PmemBackendKind, string>
{
    public BackendsAndDirectories()
    {
        foreach (string directory in TestEnvironment.Directories)
            foreach (PmemBackendKind backend in TestEnvironment.Backends)
                Add(backend, directory);
    }
}

/// <summary>Theory data: every test directory, for tests that pick their backend themselves.</summary>
public sealed class AllDirectories : TheoryData<string>
{
    public AllDirectories()
    {
        foreach (string directory in TestEnvironment.Directories)
            Add(directory);
    }
}

/// <summary>Theory data: every backend, for tests whose location does not matter.</summary>
public sealed class AllBackends : TheoryData<PmemBackendKind>
{
    public AllBackends()
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
            Add(backend);
    }
}
