using System.Runtime.InteropServices;

namespace PmdkSharp.Interop;

/// <summary>Reads library-owned C strings (pmem_errormsg, pmem_check_version) without freeing them.</summary>
internal static unsafe class NativeText
{
    public static string? FromLibraryOwned(byte* text) =>
        text == null ? null : Marshal.PtrToStringUTF8((nint)text);

    /// <summary>libpmem's last error message for this thread, or null when it has none.</summary>
    public static string? LibpmemErrorMessage()
    {
        string? message = FromLibraryOwned(Libpmem.pmem_errormsg());
        return string.IsNullOrEmpty(message) ? null : message;
    }
}
