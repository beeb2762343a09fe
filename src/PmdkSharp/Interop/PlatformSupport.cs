using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]

namespace PmdkSharp.Interop;

/// <summary>
/// Where the library's native facts hold. The generated constants (mmap flags, errno values,
/// madvise advice) are glibc's Linux values, the same on x86-64 and aarch64 for every constant
/// bound; on any other OS or architecture they could be wrong, so mapping is refused there
/// instead of passing flags that mean something else.
/// </summary>
internal static class PlatformSupport
{
    /// <summary>Throws <see cref="PlatformNotSupportedException"/> unless this is Linux on x86-64 or aarch64.</summary>
    public static void EnsureSupported() => EnsureSupported(OperatingSystem.IsLinux(), RuntimeInformation.ProcessArchitecture);

    internal static void EnsureSupported(bool isLinux, Architecture architecture)
    {
        if (!isLinux)
            throw new PlatformNotSupportedException(
                $"PmdkSharp maps files with Linux's mmap, madvise and msync; it runs on Linux only, not on {RuntimeInformation.OSDescription}.");
        if (architecture is not (Architecture.X64 or Architecture.Arm64))
            throw new PlatformNotSupportedException(
                $"PmdkSharp runs on Linux x64 and arm64 only; this process is {architecture}. Its libc flags and errno values are " +
                "bound from x86-64 and aarch64 glibc headers and are not known to hold on other architectures.");
    }
}
