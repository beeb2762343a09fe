using System;
using PmdkSharp.Backends;
using PmdkSharp.Interop;

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
/// then in the package's <c>runtimes/linux-x64/native/</c>, then as the system's <c>libpmem.so.1</c>.
/// </remarks>
public static class PmemRuntime
{
    /// <summary>
    /// The backend mappings use when their options say <see cref="PmemBackendKind.Default"/>.
    /// Setting <see cref="PmemBackendKind.Default"/> returns to automatic choice. Reading it
    /// makes the choice if none was made yet.
    /// </summary>
    /// <exception cref="PmemBackendUnavailableException">PMDK was requested but libpmem cannot be loaded.</exception>
    public static PmemBackendKind DefaultBackend
    {
        get => BackendSelector.Default.Backend;
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
        PmemBackendKind backend;
        string reason;
        try
        {
            (backend, reason) = BackendSelector.Default;
        }
        catch (PmemBackendUnavailableException unavailable)
        {
            // PMDK was required and cannot load: report that instead of failing the one call meant to explain it.
            backend = PmemBackendKind.Pmdk;
            reason = unavailable.Message;
        }
        NativeLibraryResolver.LoadResult libpmem = PmdkAvailability.Library;
        NativeLibraryResolver.LoadResult libpmem2 = NativeLibraryResolver.Load(Libraries.Libpmem2);
        bool pmdk = PmdkAvailability.Error is null;
        return new PmemDiagnostics(
            Backend: backend,
            Reason: reason,
            LibpmemPath: libpmem.Path,
            LibpmemSource: libpmem.Source,
            LibpmemVersion: pmdk ? $"{Libpmem.PMEM_MAJOR_VERSION}.{Libpmem.PMEM_MINOR_VERSION}" : null,
            PmdkUnavailableReason: PmdkAvailability.Error,
            Libpmem2Path: libpmem2.Path,
            Libpmem2Source: libpmem2.Source,
            HasHardwareDrain: pmdk ? Libpmem.pmem_has_hw_drain() == 1 : null,
            HasAutoFlush: AutoFlushProbe.For(pmdk ? PmemBackendKind.Pmdk : PmemBackendKind.Managed),
            PmemForced: PmemForce.Value);
    }
}

/// <summary>A snapshot of the runtime's choices, from <see cref="PmemRuntime.GetDiagnostics"/>.</summary>
/// <param name="Backend">The default backend.</param>
/// <param name="Reason">Why that backend was chosen (and, for the fallback, why PMDK was not).</param>
/// <param name="LibpmemPath">The libpmem file loaded (or tried, for an explicit path), or null.</param>
/// <param name="LibpmemSource">Where libpmem came from.</param>
/// <param name="LibpmemVersion">The libpmem API version that passed pmem_check_version, or null.</param>
/// <param name="PmdkUnavailableReason">Why libpmem cannot be used, or null when it can.</param>
/// <param name="Libpmem2Path">The libpmem2 file loaded, or null.</param>
/// <param name="Libpmem2Source">Where libpmem2 came from.</param>
/// <param name="HasHardwareDrain">pmem_has_hw_drain, or null without libpmem.</param>
/// <param name="HasAutoFlush">Whether the platform flushes caches on power loss (pmem_has_auto_flush).</param>
/// <param name="PmemForced">PMEM_IS_PMEM_FORCE: true/false when set to 1/0, null when unset.</param>
public sealed record PmemDiagnostics(
    PmemBackendKind Backend,
    string Reason,
    string? LibpmemPath,
    NativeLibrarySource LibpmemSource,
    string? LibpmemVersion,
    string? PmdkUnavailableReason,
    string? Libpmem2Path,
    NativeLibrarySource Libpmem2Source,
    bool? HasHardwareDrain,
    bool HasAutoFlush,
    bool? PmemForced);
