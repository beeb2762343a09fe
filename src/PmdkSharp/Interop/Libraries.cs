namespace PmdkSharp.Interop;

/// <summary>
/// Logical names of the native libraries the bindings import from. The resolver
/// (<see cref="NativeLibraryResolver"/>) turns each into a file: an explicit path,
/// the package's runtime asset, or the system library.
/// </summary>
internal static class Libraries
{
    public const string Libpmem = "libpmem";
    public const string Libpmem2 = "libpmem2";
    public const string Libc = "libc";
}
