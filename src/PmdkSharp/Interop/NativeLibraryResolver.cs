using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PmdkSharp.Interop;

/// <summary>
/// Maps the bindings' logical library names to files, once per process: an explicit path,
/// then the package's runtime asset, then the system library by SONAME. libc is left to
/// the runtime's default probing.
/// </summary>
internal static class NativeLibraryResolver
{
    internal sealed record LoadResult(string Soname, nint Handle, string? Path, NativeLibrarySource Source, string? Error)
    {
        public bool Loaded => Handle != 0;
    }

    private static readonly object Gate = new();
    private static readonly Dictionary<string, LoadResult> Results = new();
    private static readonly Dictionary<string, string> ExplicitPaths = new();

    internal static readonly (string Logical, string Soname, string PathVariable)[] Known =
    {
        (Libraries.Libpmem, "libpmem.so.1", "PMDKSHARP_LIBPMEM_PATH"),
        (Libraries.Libpmem2, "libpmem2.so.1", "PMDKSHARP_LIBPMEM2_PATH"),
    };

#pragma warning disable CA2255 // A library module initializer is the documented way to register a resolver exactly once.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Libraries.Libc ? 0 : Load(name).Handle;

    /// <summary>Sets an explicit file for a logical library; only before that library is first loaded.</summary>
    internal static void SetExplicitPath(string logical, string path)
    {
        lock (Gate)
        {
            if (Results.TryGetValue(logical, out LoadResult? loaded) && loaded.Loaded)
                throw new InvalidOperationException(
                    $"{SonameOf(logical)} is already loaded from '{loaded.Path}'; set the path before the first PmdkSharp call.");
            Results.Remove(logical);
            ExplicitPaths[logical] = path;
        }
    }

    /// <summary>Loads (once) and reports the library behind a logical name.</summary>
    internal static LoadResult Load(string logical)
    {
        lock (Gate)
        {
            if (!Results.TryGetValue(logical, out LoadResult? result))
                Results[logical] = result = LoadUncached(logical);
            return result;
        }
    }

    private static LoadResult LoadUncached(string logical)
    {
        string soname = SonameOf(logical);
        string? explicitPath = ExplicitPaths.GetValueOrDefault(logical)
            ?? NullIfEmpty(Environment.GetEnvironmentVariable(Array.Find(Known, k => k.Logical == logical).PathVariable));
        if (explicitPath is not null)
        {
            // An explicit choice is never silently replaced by another copy.
            return NativeLibrary.TryLoad(explicitPath, out nint handle)
                ? new LoadResult(soname, handle, Path.GetFullPath(explicitPath), NativeLibrarySource.Explicit, null)
                : new LoadResult(soname, 0, explicitPath, NativeLibrarySource.None,
                    $"the explicit path '{explicitPath}' could not be loaded{DescribeMissing(explicitPath)}");
        }

        foreach (string candidate in PackageCandidates(soname))
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out nint handle))
                return new LoadResult(soname, handle, candidate, NativeLibrarySource.Package, null);
        }

        if (NativeLibrary.TryLoad(soname, out nint systemHandle))
            return new LoadResult(soname, systemHandle, LoadedFileOf(systemHandle, soname), NativeLibrarySource.System, null);

        return new LoadResult(soname, 0, null, NativeLibrarySource.None,
            $"{soname} was found neither in the package's runtimes/{PackageRid}/native/ nor on the system " +
            $"(install libpmem1, or the PmdkSharp.Native.{PackageRid} package)");
    }

    /// <summary>
    /// The runtime identifier whose native package asset this process can load: <c>linux-</c> and the
    /// process's architecture (<c>linux-x64</c>, <c>linux-arm64</c>). Taken from the architecture rather than
    /// <see cref="RuntimeInformation.RuntimeIdentifier"/>, which a distribution-built runtime reports as its
    /// own RID (e.g. <c>ubuntu.24.04-x64</c>) although the portable package folders are what is on disk.
    /// </summary>
    internal static string PackageRid { get; } = "linux-" + RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "x64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static IEnumerable<string> PackageCandidates(string soname)
    {
        // A portable app keeps each package's asset under runtimes/<rid>/; a RID-specific publish copies it beside the app.
        string directory = AppContext.BaseDirectory;
        yield return Path.Combine(directory, "runtimes", PackageRid, "native", soname);
        yield return Path.Combine(directory, soname);
    }

    /// <summary>The file the loader actually opened, read from /proc/self/maps via an exported symbol's address.</summary>
    private static string LoadedFileOf(nint handle, string soname)
    {
        if (!NativeLibrary.TryGetExport(handle, soname.StartsWith("libpmem2", StringComparison.Ordinal) ? "pmem2_errormsg" : "pmem_errormsg", out nint symbol))
            return soname;
        return Diagnostics.ProcMaps.FileContaining((nuint)symbol) ?? soname;
    }

    private static string SonameOf(string logical) => Array.Find(Known, k => k.Logical == logical).Soname;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string DescribeMissing(string path) => File.Exists(path) ? "" : " (no such file)";
}
