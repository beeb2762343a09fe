using System;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>What <c>log info</c> reports: the header's fields, the records (read and checked), the file and its room.</summary>
internal sealed record LogSummary(
    string Path,
    int FormatVersion,
    string CreatedBy,
    PmemBackendKind Backend,
    bool PersistentMemory,
    long Start,
    long End,
    long Records,
    long PayloadBytes,
    long? FirstPosition,
    long? LastPosition,
    long Length,
    long FileSystemFreeBytes,
    long? Capacity,
    long? FreeBytes,
    PastEnd? PastEnd,
    long? DamagedAt,
    string? Damage)
{
    /// <summary>Reads every committed record once (constant memory) up to the end or the first damaged one.</summary>
    public static LogSummary Of(PmemLog log)
    {
        long records = 0, payloadBytes = 0;
        long? first = null, last = null, damagedAt = null;
        string? damage = null;
        try
        {
            foreach (LogRecord record in log.ReadAll())
            {
                first ??= record.Position.Offset;
                last = record.Position.Offset;
                records++;
                payloadBytes += record.Payload.Length;
            }
        }
        catch (PmemLogCorruptException e)
        {
            damagedAt = e.Position.Offset;
            damage = e.Message;
        }
        return new LogSummary(log.Path, log.FileFormatVersion, log.CreatedBy, log.Backend, log.IsPersistentMemory,
            log.Start.Offset, log.End.Offset, records, payloadBytes, first, last, log.Length, LogFacts.FileSystemFreeBytes(log.Path),
            LogFacts.PositionsAreFileOffsets(log) ? null : log.Capacity, LogFacts.FreeBytes(log),
            LogFacts.PositionsAreFileOffsets(log) ? PastEnd.Read(log.Path, log.End.Offset, log.Length) : null, damagedAt, damage);
    }
}

/// <summary>
/// The bytes between a format-1 log's committed end and the end of its file: zeros, unless an append
/// was written but never committed (a crash before its tail) or records were cut off by Truncate.
/// </summary>
internal sealed record PastEnd(long Bytes, long NonZeroBytes)
{
    public static PastEnd Read(string path, long from, long length)
    {
        long nonZero = 0;
        byte[] chunk = new byte[64 << 10];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read); // reading changes neither bytes nor mtime
        for (long at = from; at < length;)
        {
            int read = RandomAccess.Read(handle, chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - at)), at);
            if (read == 0)
                break;
            nonZero += read - chunk.AsSpan(0, read).Count((byte)0);
            at += read;
        }
        return new PastEnd(length - from, nonZero);
    }
}
