using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PmdkSharp.Interop;

/// <summary>
/// The library names the generated bindings import from, as PmdkSharp declares them, and their
/// resolution for this assembly: libpmem is the very file PmdkSharp loaded (its diagnostics name
/// it), so a raw baseline and the library under test call the same code.
/// </summary>
internal static class Libraries
{
    public const string Libpmem = "libpmem";
    public const string Libc = "libc";

    [ModuleInitializer]
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(Libraries).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Libpmem
            ? NativeLibrary.Load(PmemRuntime.GetDiagnostics().LibpmemPath
                ?? throw new DllNotFoundException($"libpmem is not loaded: {PmemRuntime.GetDiagnostics().PmdkUnavailableReason}"))
            : 0; // libc: the runtime's own resolution
}
