using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Runtime;

/// <summary>
/// How a fresh process chooses its backend and finds libpmem, steered by PMDKSHARP_BACKEND and
/// PMDKSHARP_LIBPMEM_PATH and by a package asset beside the application. Each case runs
/// PmdkSharp.TestHost, because both choices are made once per process.
/// </summary>
public sealed class NativeLibraryResolutionTests
{
    private const string SystemDirectory = "/usr/lib/x86_64-linux-gnu";
    private const string MissingLibpmem = "/nonexistent/libpmem.so.1";

    private static readonly string SystemLibpmem = Path.Combine(SystemDirectory, "libpmem.so.1");

    [SkippableFact]
    public void WithoutSettingsThePmdkBackendUsesTheSystemLibpmem()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);

        JsonElement diagnostics = Diagnostics(new Dictionary<string, string?>());

        Assert.Equal("Pmdk", diagnostics.GetProperty("Backend").GetString());
        Assert.Equal("System", diagnostics.GetProperty("LibpmemSource").GetString());
        Assert.True(File.Exists(diagnostics.GetProperty("LibpmemPath").GetString()));
    }

    [Fact]
    public void BackendVariableManagedChoosesTheManagedBackendAndSaysWhy()
    {
        var environment = new Dictionary<string, string?> { ["PMDKSHARP_BACKEND"] = "managed" };

        JsonElement diagnostics = Diagnostics(environment);

        Assert.Equal("Managed", diagnostics.GetProperty("Backend").GetString());
        Assert.Contains("PMDKSHARP_BACKEND=managed", diagnostics.GetProperty("Reason").GetString());

        using var file = new TempPath("/dev/shm");
        TestHostProcess.Result opened = TestHostProcess.Run(environment, new[] { "open", file.Path, "65536" });
        Assert.True(opened.ExitCode == 0, opened.ToString());
        Assert.Equal("Managed", opened.Json.GetProperty("Backend").GetString());
    }

    [Fact]
    public void AnExplicitPathThatFailsFallsBackToManagedAndNeverToTheSystemCopy()
    {
        JsonElement diagnostics = Diagnostics(new Dictionary<string, string?> { ["PMDKSHARP_LIBPMEM_PATH"] = MissingLibpmem });

        Assert.Equal("Managed", diagnostics.GetProperty("Backend").GetString());
        Assert.Equal("None", diagnostics.GetProperty("LibpmemSource").GetString());
        Assert.Equal(MissingLibpmem, diagnostics.GetProperty("LibpmemPath").GetString());
        Assert.Equal(JsonValueKind.Null, diagnostics.GetProperty("LibpmemVersion").ValueKind);
        Assert.Equal(JsonValueKind.Null, diagnostics.GetProperty("HasHardwareDrain").ValueKind);
        string reason = diagnostics.GetProperty("Reason").GetString()!;
        Assert.Contains("managed fallback", reason);
        Assert.Contains(MissingLibpmem, reason);
        Assert.Contains("no such file", reason);
        Assert.Contains(MissingLibpmem, diagnostics.GetProperty("PmdkUnavailableReason").GetString());
    }

    /// <summary>
    /// Asking for PMDK when libpmem cannot be loaded is an error, not a quiet fallback: opening a
    /// file with the default backend throws PmemBackendUnavailableException naming the variable and
    /// the path, and the diagnostics say the same without throwing. A mapping that asks for the
    /// managed backend itself still works.
    /// </summary>
    [Fact]
    public void BackendVariablePmdkWithAnUnloadablePathThrowsBackendUnavailable()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PMDKSHARP_BACKEND"] = "pmdk",
            ["PMDKSHARP_LIBPMEM_PATH"] = MissingLibpmem,
        };
        using var file = new TempPath("/dev/shm");

        JsonElement diagnostics = Diagnostics(environment);
        Assert.Equal("Pmdk", diagnostics.GetProperty("Backend").GetString());
        Assert.Contains("PMDKSHARP_BACKEND=pmdk", diagnostics.GetProperty("Reason").GetString());
        Assert.Contains(MissingLibpmem, diagnostics.GetProperty("Reason").GetString());

        // The getter never throws: it names the required backend, and opening says why it is unusable.
        TestHostProcess.Result getter = TestHostProcess.Run(environment, new[] { "default-backend" });
        Assert.True(getter.ExitCode == 0, getter.ToString());
        Assert.Equal("Pmdk", getter.Json.GetProperty("Backend").GetString());

        TestHostProcess.Result result = TestHostProcess.Run(environment, new[] { "open", file.Path, "65536" });
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(typeof(PmemBackendUnavailableException).FullName, result.Json.GetProperty("Exception").GetString());
        string message = result.Json.GetProperty("Message").GetString()!;
        Assert.Contains("PMDKSHARP_BACKEND=pmdk", message);
        Assert.Contains(MissingLibpmem, message);
        Assert.False(File.Exists(file.Path), "the file must not be created when the backend is unavailable");

        TestHostProcess.Result managed = TestHostProcess.Run(environment, new[] { "open", file.Path, "65536", "managed" });
        Assert.True(managed.ExitCode == 0, managed.ToString());
        Assert.Equal("Managed", managed.Json.GetProperty("Backend").GetString());
    }

    [SkippableFact]
    public void AnExplicitPathToTheSystemLibpmemIsReportedAsExplicit()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        Skip.IfNot(File.Exists(SystemLibpmem), $"{SystemLibpmem} is not installed");

        JsonElement diagnostics = Diagnostics(new Dictionary<string, string?> { ["PMDKSHARP_LIBPMEM_PATH"] = SystemLibpmem });

        Assert.Equal("Pmdk", diagnostics.GetProperty("Backend").GetString());
        Assert.Equal("Explicit", diagnostics.GetProperty("LibpmemSource").GetString());
        Assert.Equal(SystemLibpmem, diagnostics.GetProperty("LibpmemPath").GetString());
        Assert.Equal(JsonValueKind.Null, diagnostics.GetProperty("PmdkUnavailableReason").ValueKind);
    }

    /// <summary>
    /// A copy of libpmem under the application's runtimes/linux-&lt;arch&gt;/native/ (where a native NuGet
    /// package puts it) wins over the system copy. Its own dependencies (libndctl, libdaxctl) still
    /// come from the system.
    /// </summary>
    [SkippableFact]
    public void ALibpmemInTheApplicationsRuntimesFolderIsUsedAsThePackageAsset()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        Skip.IfNot(File.Exists(SystemLibpmem), $"{SystemLibpmem} is not installed");

        using var app = new TempPath(Path.GetTempPath(), suffix: ".testhost");
        string asset = CopyTestHostWithLibpmemUnder(app.Path, NativeLibraryResolver.PackageRid);

        JsonElement diagnostics = Diagnostics(new Dictionary<string, string?>(), app.Path);

        Assert.Equal("Pmdk", diagnostics.GetProperty("Backend").GetString());
        Assert.Equal("Package", diagnostics.GetProperty("LibpmemSource").GetString());
        Assert.Equal(asset, diagnostics.GetProperty("LibpmemPath").GetString());
        Assert.Contains(asset, diagnostics.GetProperty("Reason").GetString());
    }

    /// <summary>
    /// The resolver picks the runtimes/ folder by the process's architecture: a portable app carries both
    /// native packages' folders, and another architecture's copy must never be tried (it would not load,
    /// or worse, hide the system copy). A loadable libpmem under the other RID's folder is ignored.
    /// </summary>
    [SkippableFact]
    public void ALibpmemUnderAnotherArchitecturesRuntimesFolderIsIgnored()
    {
        TestEnvironment.Require(PmemBackendKind.Pmdk);
        Skip.IfNot(File.Exists(SystemLibpmem), $"{SystemLibpmem} is not installed");

        using var app = new TempPath(Path.GetTempPath(), suffix: ".testhost");
        string otherRid = NativeLibraryResolver.PackageRid == "linux-arm64" ? "linux-x64" : "linux-arm64";
        CopyTestHostWithLibpmemUnder(app.Path, otherRid);

        JsonElement diagnostics = Diagnostics(new Dictionary<string, string?>(), app.Path);

        Assert.Equal("System", diagnostics.GetProperty("LibpmemSource").GetString());
        Assert.DoesNotContain(otherRid, diagnostics.GetProperty("LibpmemPath").GetString());
    }

    /// <summary>Copies the test host to <paramref name="app"/> with the system's libpmem under runtimes/RID/native/, as a native package ships it.</summary>
    private static string CopyTestHostWithLibpmemUnder(string app, string rid)
    {
        CopyDirectory(TestHostProcess.HostDirectory, app);
        string native = Path.Combine(app, "runtimes", rid, "native");
        Directory.CreateDirectory(native);
        string asset = Path.Combine(native, "libpmem.so.1");
        File.Copy(SystemLibpmem, asset); // follows the symlink: a real file, as a package would ship
        return asset;
    }

    private static JsonElement Diagnostics(Dictionary<string, string?> environment, string? hostDirectory = null)
    {
        TestHostProcess.Result result = TestHostProcess.Run(environment, new[] { "diagnostics" }, hostDirectory);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>A PMDKSHARP_BACKEND that names no backend: the getter returns Default instead of throwing; opening throws and says why.</summary>
    [Fact]
    public void DefaultBackendGetterDoesNotThrowForAnUnknownBackendVariable()
    {
        var environment = new Dictionary<string, string?> { ["PMDKSHARP_BACKEND"] = "bogus" };
        using var file = new TempPath("/dev/shm");

        TestHostProcess.Result getter = TestHostProcess.Run(environment, new[] { "default-backend" });
        Assert.True(getter.ExitCode == 0, getter.ToString());
        Assert.Equal("Default", getter.Json.GetProperty("Backend").GetString());

        TestHostProcess.Result open = TestHostProcess.Run(environment, new[] { "open", file.Path, "65536" });
        Assert.NotEqual(0, open.ExitCode);
        Assert.Equal(typeof(InvalidOperationException).FullName, open.Json.GetProperty("Exception").GetString());
        Assert.Contains("'bogus' is not a backend", open.Json.GetProperty("Message").GetString());
    }
}
