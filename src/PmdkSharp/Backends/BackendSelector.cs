using System;
using PmdkSharp.Interop;

namespace PmdkSharp.Backends;

/// <summary>
/// Chooses the process's default backend once (PMDKSHARP_BACKEND or <see cref="PmemRuntime.DefaultBackend"/>,
/// else PMDK when libpmem loads and passes its version check) and remembers why.
/// </summary>
internal static class BackendSelector
{
    internal const string BackendVariable = "PMDKSHARP_BACKEND";

    private static readonly object Gate = new();
    private static PmemBackendKind? requested;
    private static (PmemBackendKind Backend, string Reason)? chosen;

    /// <summary>What the application asked for through the API (wins over the environment).</summary>
    internal static void Request(PmemBackendKind kind)
    {
        lock (Gate)
        {
            requested = kind;
            chosen = null;
        }
    }

    /// <summary>
    /// The process default, or what stands in for it when PMDK was required but cannot load: the
    /// requested <see cref="PmemBackendKind.Pmdk"/> with the reason it is unusable, or
    /// <see cref="PmemBackendKind.Default"/> when PMDKSHARP_BACKEND names no backend. Never throws;
    /// opening a mapping with such a default does.
    /// </summary>
    public static (PmemBackendKind Backend, string Reason) DefaultOrUnavailable
    {
        get
        {
            try
            {
                return Default;
            }
            catch (PmemBackendUnavailableException unavailable)
            {
                return (PmemBackendKind.Pmdk, unavailable.Message);
            }
            catch (InvalidOperationException badVariable)
            {
                // PMDKSHARP_BACKEND names no backend: nothing was chosen, and opening a mapping says why.
                return (PmemBackendKind.Default, badVariable.Message);
            }
        }
    }

    public static (PmemBackendKind Backend, string Reason) Default
    {
        get
        {
            lock (Gate)
                return chosen ??= Choose();
        }
    }

    /// <summary>The backend for one mapping (never <see cref="PmemBackendKind.Default"/>): its own option, else the process default.</summary>
    public static PmemBackendKind For(PmemBackendKind kind) => kind switch
    {
        PmemBackendKind.Default => Default.Backend,
        PmemBackendKind.Managed => PmemBackendKind.Managed,
        PmemBackendKind.Pmdk => PmdkAvailability.Error is { } error
            ? throw new PmemBackendUnavailableException($"The PMDK backend was requested but {error}.")
            : PmemBackendKind.Pmdk,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown backend."),
    };

    private static (PmemBackendKind, string) Choose()
    {
        string source;
        PmemBackendKind kind;
        if (requested is { } fromApi)
        {
            kind = fromApi;
            source = $"{nameof(PmemRuntime)}.{nameof(PmemRuntime.DefaultBackend)} = {fromApi}";
        }
        else
        {
            kind = ParseEnvironment();
            source = $"{BackendVariable}={Environment.GetEnvironmentVariable(BackendVariable)}";
        }

        switch (kind)
        {
            case PmemBackendKind.Managed:
                return (PmemBackendKind.Managed, $"managed backend requested ({source})");
            case PmemBackendKind.Pmdk:
                if (PmdkAvailability.Error is { } error)
                    throw new PmemBackendUnavailableException($"The PMDK backend was requested ({source}) but {error}.");
                return (PmemBackendKind.Pmdk, $"PMDK backend requested ({source}); libpmem from {PmdkAvailability.Library.Path}");
            default:
                return PmdkAvailability.Error is { } reason
                    ? (PmemBackendKind.Managed, $"managed fallback: {reason}")
                    : (PmemBackendKind.Pmdk, $"libpmem loaded from {PmdkAvailability.Library.Path} ({PmdkAvailability.Library.Source})");
        }
    }

    private static PmemBackendKind ParseEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(BackendVariable);
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" or "default" => PmemBackendKind.Default,
            "pmdk" or "libpmem" => PmemBackendKind.Pmdk,
            "managed" => PmemBackendKind.Managed,
            _ => throw new InvalidOperationException(
                $"{BackendVariable}='{value}' is not a backend; use auto, pmdk or managed."),
        };
    }
}

/// <summary>Whether libpmem is loadable and new enough, decided once.</summary>
internal static unsafe class PmdkAvailability
{
    private static readonly Lazy<(NativeLibraryResolver.LoadResult Library, string? Error)> State = new(Probe);

    public static NativeLibraryResolver.LoadResult Library => State.Value.Library;

    /// <summary>Why PMDK cannot be used, or null when it can.</summary>
    public static string? Error => State.Value.Error;

    /// <summary>The libpmem API version that passed pmem_check_version, or null when PMDK cannot be used.</summary>
    public static string? Version => Error is null ? $"{Libpmem.PMEM_MAJOR_VERSION}.{Libpmem.PMEM_MINOR_VERSION}" : null;

    /// <summary>pmem_has_hw_drain, or null when PMDK cannot be used.</summary>
    public static bool? HasHardwareDrain => Error is null ? Libpmem.pmem_has_hw_drain() == 1 : null;

    private static (NativeLibraryResolver.LoadResult, string?) Probe()
    {
        NativeLibraryResolver.LoadResult library = NativeLibraryResolver.Load(Libraries.Libpmem);
        if (!library.Loaded)
            return (library, library.Error);
        string? versionError = NativeText.FromLibraryOwned(
            Libpmem.pmem_check_version(Libpmem.PMEM_MAJOR_VERSION, Libpmem.PMEM_MINOR_VERSION));
        return versionError is null
            ? (library, null)
            : (library, $"{library.Path} failed its version check: {versionError}");
    }
}
