using System;
using System.Linq;
using PmdkSharp.Backends;
using PmdkSharp.Interop;
using PmdkSharp.Platform;

namespace PmdkSharp;

/// <summary>
/// Process-wide choices and diagnostics: which backend mappings use by default and why,
/// and which libpmem file was loaded.
/// </summary>
/// <remarks>
/// The default backend comes from, in order: <see cref="DefaultBackend"/> set by the
/// application, the <c>PMDKSHARP_BACKEND</c> environment variable (<c>auto</c>, <c>pmdk</c>,
/// <c>managed</c>), else PMDK when libpmem loads and passes pmem_check_version, the managed
/// fallback otherwise. libpmem is looked for at an explicit path
/// (<see cref="SetNativeLibraryPath"/> or <c>PMDKSHARP_LIBPMEM_PATH</c> / <c>PMDKSHARP_LIBPMEM2_PATH</c>),
/// then in the native package's <c>runtimes/linux-&lt;arch&gt;/native/</c> (<c>linux-x64</c>, <c>linux-arm64</c>), then as the system's <c>libpmem.so.1</c>.
/// </remarks>
public static class PmemRuntime
{
    /// <summary>
    /// The backend mappings use when their options say <see cref="PmemBackendKind.Default"/>.
    /// Setting <see cref="PmemBackendKind.Default"/> returns to automatic choice. Reading it
    /// makes the choice if none was made yet, and never throws: when PMDK was required
    /// (<c>PMDKSHARP_BACKEND=pmdk</c> or this property set to <see cref="PmemBackendKind.Pmdk"/>)
    /// but libpmem cannot be loaded it still returns <see cref="PmemBackendKind.Pmdk"/>, and opening
    /// a mapping throws <see cref="PmemBackendUnavailableException"/>; when <c>PMDKSHARP_BACKEND</c>
    /// names no backend it returns <see cref="PmemBackendKind.Default"/>, and opening a mapping throws
    /// <see cref="InvalidOperationException"/>. <see cref="GetDiagnostics"/> says why.
    /// </summary>
    public static PmemBackendKind DefaultBackend
    {
        get => BackendSelector.DefaultOrUnavailable.Backend;
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown backend.");
            BackendSelector.Request(value);
        }
    }

    /// <summary>
    /// Loads libpmem (and libpmem2 if given) from explicit files instead of the package asset or the
    /// system copy. Call it before the first mapping is opened.
    /// </summary>
    /// <exception cref="InvalidOperationException">The library was already loaded.</exception>
    public static void SetNativeLibraryPath(string libpmemPath, string? libpmem2Path = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(libpmemPath);
        NativeLibraryResolver.SetExplicitPath(Libraries.Libpmem, libpmemPath);
        if (libpmem2Path is not null)
            NativeLibraryResolver.SetExplicitPath(Libraries.Libpmem2, libpmem2Path);
    }

    /// <summary>True when libpmem is loadable, so <see cref="PmemBackendKind.Pmdk"/> can be used.</summary>
    public static bool IsPmdkAvailable => PmdkAvailability.Error is null;

    /// <summary>
    /// What was chosen and found, for logs and support requests. Never throws for a missing
    /// libpmem: when PMDK was required but cannot load, <see cref="PmemDiagnostics.Backend"/> is
    /// <see cref="PmemBackendKind.Pmdk"/> and <see cref="PmemDiagnostics.Reason"/> says why it is unusable.
    /// </summary>
    public static PmemDiagnostics GetDiagnostics()
    {
        // PMDK required but unloadable is reported, not thrown: this is the one call meant to explain it.
        (PmemBackendKind backend, string reason) = BackendSelector.DefaultOrUnavailable;
        NativeLibraryResolver.LoadResult libpmem = PmdkAvailability.Library;
        NativeLibraryResolver.LoadResult libpmem2 = NativeLibraryResolver.Load(Libraries.Libpmem2);
        bool pmdk = PmdkAvailability.Error is null;
        return new PmemDiagnostics
        {
            Backend = backend,
            Reason = reason,
            LibpmemPath = libpmem.Path,
            LibpmemSource = libpmem.Source,
            LibpmemVersion = PmdkAvailability.Version,
            PmdkUnavailableReason = PmdkAvailability.Error,
            Libpmem2Path = libpmem2.Path,
            Libpmem2Source = libpmem2.Source,
            HasHardwareDrain = PmdkAvailability.HasHardwareDrain,
            HasAutoFlush = Backend.Of(pmdk ? PmemBackendKind.Pmdk : PmemBackendKind.Managed).HasAutoFlush,
            ManagedCacheLineFlush = FlushEngine.CacheLineFlushSupport.Current.Reason,
            PmemForced = PmemForce.Value,
            DeviceDaxDevices = Mapping.DeviceDax.List().Select(d => new DeviceDaxDevice
            {
                Path = d.Path, Size = d.Size, Alignment = d.Alignment, PersistenceDomain = d.PersistenceDomain,
            }).ToArray(),
        };
    }
}
