using System.IO;

namespace PmdkSharp;

/// <summary>
/// The kernel refused to lock a range in memory (<see cref="PmemFile.Lock"/>): the process's
/// RLIMIT_MEMLOCK would be exceeded (ENOMEM), is zero without CAP_IPC_LOCK (EPERM), or the pages
/// could not be locked (EAGAIN); <see cref="System.Exception.HResult"/> holds the errno. Nothing was locked by the failed call; the mapping stays usable.
/// </summary>
public sealed class PmemLockLimitException : IOException
{
    /// <summary>Creates the exception with a message that names the limit, its value and the request.</summary>
    public PmemLockLimitException(string message, long? limit, long requestedBytes) : base(message)
    {
        Limit = limit;
        RequestedBytes = requestedBytes;
    }

    /// <summary>Creates the exception for a refused mlock, keeping its errno as the HResult.</summary>
    internal PmemLockLimitException(string message, long? limit, long requestedBytes, int errno) : this(message, limit, requestedBytes)
    {
        HResult = errno;
    }

    /// <summary>The soft RLIMIT_MEMLOCK in bytes when the call failed, or null when it is unlimited or could not be read.</summary>
    public long? Limit { get; }

    /// <summary>The length of the range the call asked to lock.</summary>
    public long RequestedBytes { get; }
}
