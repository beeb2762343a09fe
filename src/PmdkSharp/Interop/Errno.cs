using System;
using System.IO;
using System.Runtime.InteropServices;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Interop;

/// <summary>
/// Turns an errno into the exception .NET users expect for it, naming the operation and the path,
/// the one place where that mapping lives. Every exception keeps the errno, as dotnet/runtime's
/// Interop.GetExceptionForIoErrno does: in the message, and as the HResult of the exception
/// itself (an IOException, or this library's own types) or of its inner IOException (the .NET
/// types whose HResult is fixed: FileNotFoundException, UnauthorizedAccessException...).
/// </summary>
internal static class Errno
{
    /// <summary>The errno of the last P/Invoke declared with SetLastError.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    /// <summary>No room for the bytes asked for: the device is full, a file-size limit, or a disk quota.</summary>
    public static bool IsOutOfSpace(int errno) => errno == ENOSPC || errno == EFBIG || errno == EDQUOT;

    public static Exception ToException(int errno, string operation, string? path, string? detail = null)
    {
        string where = path is null ? operation : $"{operation} '{path}'";
        string message = $"{where} failed: {Describe(errno)}{(detail is null ? "" : ". " + detail)}";
        var inner = new IOException(Describe(errno), errno);
        if (errno == ENOENT)
            return path is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)))
                ? new DirectoryNotFoundException(message, inner)
                : new FileNotFoundException(message, path, inner);
        if (errno == ENOTDIR)
            return new DirectoryNotFoundException(message, inner);
        if (errno == EACCES || errno == EPERM || errno == EISDIR || errno == EROFS)
            return new UnauthorizedAccessException(message, inner);
        if (IsOutOfSpace(errno))
            return new PmemOutOfSpaceException(message, errno);
        if (errno == ENAMETOOLONG)
            return new PathTooLongException(message, inner);
        return new IOException(message, errno);
    }

    /// <summary>The errno an exception from <see cref="ToException"/> (or the library's own exception types) carries, or null.</summary>
    public static int? Of(Exception exception) => exception switch
    {
        PmemOutOfSpaceException or PmemAddressSpaceException or PmemLockLimitException => exception.HResult,
        { InnerException: IOException inner } when inner.GetType() == typeof(IOException) && inner.HResult > 0 => inner.HResult,
        IOException when exception.GetType() == typeof(IOException) && exception.HResult > 0 => exception.HResult,
        _ => null,
    };
}
