using System;
using System.Threading;
using PmdkSharp;
using PmdkSharp.Log;

namespace RecordLog;

/// <summary>
/// The service's record store: a <see cref="PmemLog"/> (checksummed records, a committed tail,
/// recovery on open) plus the record count the status page shows.
/// </summary>
/// <remarks>
/// PmemLog does the crash consistency: an append returns only once the record and the tail that
/// covers it are durable, so a 201 response is never sent for a record a crash could lose. Any
/// number of requests may append and read at once.
/// </remarks>
public sealed class RecordLogFile : IDisposable
{
    private readonly PmemLog log;
    private long count;

    private RecordLogFile(PmemLog log, long count)
    {
        this.log = log;
        this.count = count;
    }

    public PmemLog Log => log;

    /// <summary>The log's mapping, for the host (persist at stop, health check).</summary>
    public PmemFile File => log.Mapping;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Opens (or creates) the log; opening verifies every committed record's checksum.</summary>
    public static RecordLogFile Open(string path, long initialLength, long maxLength)
    {
        PmemLog log = PmemLog.Open(path, new PmemLogOptions
        {
            Length = Math.Max(initialLength, 8192),
            MaxLength = maxLength,
            Prefault = PrefaultMode.PopulateWrite,
        });
        long count = 0;
        foreach (LogRecord _ in log.ReadAll())
            count++;
        return new RecordLogFile(log, count);
    }

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

    public void Dispose() => log.Dispose();
}
