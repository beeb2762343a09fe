using System;
using System.IO;
using System.Runtime.InteropServices;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Interop;

/// <summary>
/// Turns an errno into the exception .NET users expect for it, naming the operation and
/// the path, the one place where that mapping lives.
/// </summary>
internal static class Errno
{
    /// <summary>The errno of the last P/Invoke declared with SetLastError.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    public static Exception ToException(int errno, string operation, string? path, string? detail = null)
    {
        string where = path is null ? operation : $"{operation} '{path}'";
        string message = $"{where} failed: {Describe(errno)}{(detail is null ? "" : ". " + detail)}";
        if (errno == ENOENT)
            return path is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)))
                ? new DirectoryNotFoundException(message)
                : new FileNotFoundException(message, path);
        if (errno == ENOTDIR)
            return new DirectoryNotFoundException(message);
        if (errno == EACCES || errno == EPERM || errno == EISDIR || errno == EROFS)
            return new UnauthorizedAccessException(message);
        if (errno == ENOSPC || errno == EFBIG)
            return new PmemOutOfSpaceException(message);
        if (errno == ENAMETOOLONG)
            return new PathTooLongException(message);
        return new IOException(message, errno);
    }

    public static Exception LastToException(string operation, string? path, string? detail = null) =>
        ToException(Last, operation, path, detail);
}
