using System;
using System.IO;
using System.Threading;

namespace PmdkSharp.Log;

/// <summary>
/// A durable, failure-atomic append-only log of records in one growable <see cref="PmemFile"/>:
/// the successor of PMDK's libpmemlog, with checksummed records and a committed tail.
/// </summary>
/// <remarks>
/// <para>
/// An append reserves space, writes the record (length, checksum, payload), persists it, and then
/// stores and persists the committed tail, an aligned 8-byte word in the header; it returns only
/// after both are durable. A crash leaves the old or the new tail, never a mix, and recovery reads
/// nothing past the tail, so a torn or unpersisted record is never returned. Records below the
/// tail are checked against their checksums when the log is opened (<see cref="PmemLogOptions.VerifyOnOpen"/>)
/// and whenever they are read: damage is reported with <see cref="PmemLogCorruptException"/>,
/// never skipped.
/// </para>
/// <para>
/// Thread safety: any number of threads may append at once. Reserving space is a short critical
/// section; writing and persisting the records happens outside it, and the tail is committed in
/// groups (one tail persist can cover the records of several threads, always a contiguous prefix).
/// Readers run concurrently with appenders and see only committed records.
/// <see cref="Truncate"/> waits for appends in flight; an enumeration that was started before a
/// truncation throws <see cref="InvalidOperationException"/> on its next step. No operation may
/// race <see cref="Dispose"/>.
/// </para>
/// </remarks>
public sealed partial class PmemLog : IDisposable
{
    private readonly PmemFile file;
    private readonly PmemLogOptions options;
    private readonly object gate = new();

    /// <summary>The durable tail: every record below it is persisted and covered by the tail word in the file.</summary>
    private long committedEnd;

    /// <summary>Bumped by each <see cref="Truncate"/>, so enumerations started before it stop.</summary>
    private long generation;

    private volatile bool disposed;

    /// <summary>True where persisting is a cache-line flush, not msync: records are then framed and streamed in (see <see cref="RecordWriter"/>).</summary>
    private readonly bool streamsRecords;

    private PmemLog(PmemFile file, PmemLogOptions options, long committedEnd, string createdBy, bool created)
    {
        this.file = file;
        this.options = options;
        this.committedEnd = committedEnd;
        streamsRecords = file.Granularity != StoreGranularity.Page;
        reservedEnd = committedEnd;
        completedEnd = committedEnd;
        CreatedBy = createdBy;
        WasCreated = created;
    }

    /// <summary>
    /// The mapping the log lives in, for diagnostics and host integration (its backend, length, a
    /// final Persist). Writing into it bypasses the log: records changed that way fail their checksums.
    /// </summary>
    public PmemFile Mapping => file;

    /// <summary>The log file's path.</summary>
    public string Path => file.Path;

    /// <summary>Where the first record is (or will be).</summary>
    public LogPosition Start => new(LogLayout.DataStart);

    /// <summary>The committed tail: the position after the last committed record, where the next append goes once appends in flight are done.</summary>
    public LogPosition End => new(Volatile.Read(ref committedEnd));

    /// <summary>True when the log holds no committed record.</summary>
    public bool IsEmpty => Volatile.Read(ref committedEnd) == LogLayout.DataStart;

    /// <summary>The file's current length in bytes (it grows by itself up to <see cref="MaxLength"/>).</summary>
    public long Length => file.Length;

    /// <summary>The most the file can grow to.</summary>
    public long MaxLength => file.MaxLength;

    /// <summary>The largest payload one record may have.</summary>
    public int MaxRecordLength => options.MaxRecordLength;

    /// <summary>True when opened read-only.</summary>
    public bool IsReadOnly => file.IsReadOnly;

    /// <summary>Which backend persists the records.</summary>
    public PmemBackendKind Backend => file.Backend;

    /// <summary>True when the mapping is persistent memory (records are persisted with cache-line flushes, not msync).</summary>
    public bool IsPersistentMemory => file.IsPersistentMemory;

    /// <summary>The header's created-by field: the library and version that created the log.</summary>
    public string CreatedBy { get; }

    /// <summary>True when this <see cref="Open"/> created the log (or finished a creation a crash had interrupted).</summary>
    public bool WasCreated { get; }

    /// <summary>The on-file format version this library writes and reads.</summary>
    public static int FormatVersion => (int)LogLayout.FormatVersion;

    /// <summary>Unmaps and closes the log. Every append that returned is already durable; Dispose adds nothing.</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        file.Dispose();
    }

    /// <summary>Describes the log for diagnostics.</summary>
    public override string ToString() => disposed
        ? $"PmemLog '{Path}' (disposed)"
        : $"PmemLog '{Path}' end {End}, {file.Length}/{file.MaxLength} bytes, {file.Backend}, {(file.IsPersistentMemory ? "pmem" : "msync")}";

    private void ThrowIfDisposed()
    {
        if (disposed)
            throw new ObjectDisposedException(nameof(PmemLog), $"The log '{Path}' has been disposed.");
    }

    private void ThrowIfNotWritable()
    {
        ThrowIfDisposed();
        if (file.IsReadOnly)
            throw new NotSupportedException($"The log '{Path}' is open read-only.");
    }
}
