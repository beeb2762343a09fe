namespace PmdkSharp;

/// <summary>Where a native library was found.</summary>
public enum NativeLibrarySource
{
    /// <summary>Not loaded (not found, or not tried yet).</summary>
    None,
    /// <summary>The path given by <see cref="PmemRuntime.SetNativeLibraryPath"/> or an environment variable.</summary>
    Explicit,
    /// <summary>The package's runtime asset (<c>runtimes/linux-x64/native/</c> or <c>runtimes/linux-arm64/native/</c>, or the application directory).</summary>
    Package,
    /// <summary>The system's copy, found by the dynamic loader by its SONAME.</summary>
    System,
}
