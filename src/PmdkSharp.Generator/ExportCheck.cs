using System;
using System.Runtime.InteropServices;

namespace PmdkSharp.Generator;

/// <summary>The real shared library, loaded to check that each bound function is exported by it.</summary>
internal sealed class ExportCheck : IDisposable
{
    private nint _handle;

    private ExportCheck(string libraryName, nint handle)
    {
        LibraryName = libraryName;
        _handle = handle;
    }

    /// <summary>The library as the config names it, e.g. <c>libpmem.so.1</c>.</summary>
    public string LibraryName { get; }

    /// <summary>Loads <paramref name="soName"/>; throws <see cref="GeneratorException"/> when it cannot be loaded.</summary>
    public static ExportCheck Load(string soName) =>
        NativeLibrary.TryLoad(soName, out nint handle)
            ? new ExportCheck(soName, handle)
            : throw new GeneratorException($"cannot load {soName} to check which functions it exports");

    public bool IsExported(string symbol) => NativeLibrary.TryGetExport(_handle, symbol, out _);

    public void Dispose()
    {
        if (_handle != 0)
        {
            NativeLibrary.Free(_handle);
            _handle = 0;
        }
    }
}
