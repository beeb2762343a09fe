using System;
using System.Threading;
using PmdkSharp.Log;

namespace RecordLog;

/// <summary>
/// The service's record store: the host's <see cref="PmemLog"/> (checksummed records, a committed tail,
/// verified when the host opened it) plus the record count the status page shows.
/// </summary>
/// <remarks>
/// PmemLog does the crash consistency: an append returns only once the record and the tail that
/// covers it are durable, so a 201 response is never sent for a record a crash could lose. Any
/// number of requests may append and read at once. The host owns the log (AddPmemLogs): it opens
/// it before the server starts and disposes it after the server stopped.
/// </remarks>
public sealed class RecordLogFile
{
    private readonly PmemLog log;
    private long count;

    /// <summary>Counts the records already in <paramref name="log"/>.</summary>
    public RecordLogFile(PmemLog log)
    {
        this.log = log;
        foreach (LogRecord _ in log.ReadAll())
            count++;
    }

    public PmemLog Log => log;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Appends a record; returns its position once it is durable.</summary>
    public LogPosition Append(ReadOnlySpan<byte> payload)
    {
        LogPosition position = log.Append(payload);
        Interlocked.Increment(ref count);
        return position;
    }

    /// <summary>The payload of the committed record at <paramref name="position"/>, or null when no record starts there.</summary>
    public byte[]? Read(long position)
    {
        try
        {
            return log.Read(new LogPosition(position)).Payload.ToArray();
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
