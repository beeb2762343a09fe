using System;
using System.IO;
using System.Threading;

namespace PmdkSharp.Log;

/// <summary>
/// A durable, failure-atomic append-only log of records in one <see cref="PmemFile"/>: the
/// successor of PMDK's libpmemlog, with self-validating records, one flush per durable append,
/// and a record area reused as a ring once the consumed head is dropped (<see cref="TruncateBefore"/>).
/// </summary>
/// <remarks>
/// <para>
/// An append reserves space, writes the record (length, generation, checksum seeded with the
/// record's position and the log's generation, payload) and makes exactly those bytes durable: one
/// flush and fence on persistent memory, one msync elsewhere. No header word is written per append:
/// after a crash, recovery reads forward from a persisted hint while records of the current
/// generation validate, so a record is committed once its own bytes are durable. Appends are
/// acknowledged in file order (an append returns only when every record before it is durable too),
/// so recovery never finds a hole below an acknowledged record. The generation changes with every
/// writable open and every <see cref="Truncate"/>, so bytes left past the recovered end (an append
/// that never returned, records truncated away) can never validate later: no phantom record.
/// Records below the end are checked against their checksums when the log is opened
/// (<see cref="PmemLogOptions.VerifyOnOpen"/>) and whenever they are read: damage is reported with
/// <see cref="PmemLogCorruptException"/>, never skipped.
/// </para>
/// <para>
/// Thread safety: any number of threads may append at once. Reserving space is a short critical
/// section; writing and flushing records happens outside it, and commits are grouped (on the msync
/// path one msync covers the records of every thread that finished meanwhile). While a single
/// thread appends, its appends take no lock at all (a lock after a cache-line flush would wait for
/// the flush to reach memory); a second appending thread ends that for good. Readers run
/// concurrently with appenders and see only committed records. <see cref="Truncate"/> waits for
/// appends in flight; an enumeration that was started before a truncation throws
/// <see cref="InvalidOperationException"/> on its next step, as does one positioned before the
/// start after <see cref="TruncateBefore"/>. No operation may race <see cref="Dispose"/>.
/// </para>
/// </remarks>
public sealed partial class PmemLog : IDisposable
{
    private readonly PmemFile file;
    private readonly PmemLogOptions options;
    private readonly object gate = new();

    /// <summary>The thread that appends alone, without `gate` (see <see cref="LoneAppender"/>).</summary>
    private readonly LoneAppender lone = new();

    /// <summary>The durable end: every record below it is durable and acknowledged (or about to be).</summary>
    private long committedEnd;

    /// <summary>The first live record (format 2: moved by <see cref="TruncateBefore"/>).</summary>
    private long start;

    /// <summary>Bumped by each <see cref="Truncate"/>, so enumerations started before it stop.</summary>
    private long truncations;

    /// <summary>How records are checked; replaced (under `gate`) when the generation changes.</summary>
    private volatile RecordCheck check;

    /// <summary>The checkpoint in force (format 2), under `gate`.</summary>
    private LogCheckpoint checkpoint;

    private volatile bool disposed;

    /// <summary>
    /// True where persisting is a cache-line flush, not msync: each appender flushes and drains its
    /// own records (in parallel); elsewhere the committer msyncs the finished range once for all.
    /// </summary>
    private readonly bool recordsPersistThemselves;

    private PmemLog(PmemFile file, PmemLogOptions options, RecordCheck check, LogCheckpoint checkpoint, long committedEnd, string createdBy, bool created)
    {
        this.file = file;
        this.options = options;
        this.check = check;
        this.checkpoint = checkpoint;
        postedHint = checkpoint.Hint;
        this.committedEnd = committedEnd;
        start = checkpoint.Start;
        recordsPersistThemselves = file.Granularity != StoreGranularity.Page;
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

    /// <summary>Where the first live record is (or will be): moved forward by <see cref="TruncateBefore"/>.</summary>
    public LogPosition Start => new(Volatile.Read(ref start));

    /// <summary>The committed end: the position after the last committed record, where the next append goes once appends in flight are done.</summary>
    public LogPosition End => new(Volatile.Read(ref committedEnd));

    /// <summary>True when the log holds no committed record.</summary>
    public bool IsEmpty => Volatile.Read(ref committedEnd) == Volatile.Read(ref start);

    /// <summary>Bytes between <see cref="Start"/> and <see cref="End"/>: the live records with their headers (and any lap end skipped).</summary>
    public long LiveBytes => Volatile.Read(ref committedEnd) - Volatile.Read(ref start);

    /// <summary>
    /// The most bytes of records the log holds at once (the file's record area): positions wrap
    /// around it, so a log whose head is dropped as it is consumed runs forever in
    /// <see cref="MaxLength"/> bytes of disk and address space. Format 1 logs do not wrap.
    /// </summary>
    public long Capacity => check.Ring.Capacity;

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

    /// <summary>The on-file format version this library writes (it reads this one and older ones).</summary>
    public static int FormatVersion => (int)LogLayout.FormatVersion;

    /// <summary>The open file's format version: <see cref="FormatVersion"/>, or 1 for a log written before it (read-only; see <see cref="Upgrade"/>).</summary>
    public int FileFormatVersion => (int)check.Format;

    /// <summary>The generation appends write into their records now (format 2; it changes with every writable open and every <see cref="Truncate"/>).</summary>
    public ulong Generation => check.Generation;

    /// <summary>
    /// Unmaps and closes the log. Every append that returned is already durable; a writable log
    /// also records its end as the recovery hint, so the next open reads nothing twice.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
            return;
        try
        {
            if (!file.IsReadOnly && check.Format != LogLayout.FormatOne)
            {
                using GateHold hold = EnterGate(forGood: true);
                if (failure is null && reservedEnd == Volatile.Read(ref committedEnd) && checkpoint.Hint != committedEnd)
                    WriteCheckpoint(checkpoint with { Hint = committedEnd });
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The hint is an optimisation: without it the next open reads forward from the previous one.
        }
        finally
        {
            disposed = true;
            file.Dispose();
        }
    }

    /// <summary>Describes the log for diagnostics.</summary>
    public override string ToString() => disposed
        ? $"PmemLog '{Path}' (disposed)"
        : $"PmemLog '{Path}' [{Start}, {End}), {file.Length}/{file.MaxLength} bytes, {file.Backend}, {(file.IsPersistentMemory ? "pmem" : "msync")}";

    /// <summary>
    /// Persists <paramref name="next"/> as the checkpoint in force: one write of the slot the
    /// current one is not in, one persist. Under `gate`.
    /// </summary>
    private void WriteCheckpoint(LogCheckpoint next)
    {
        next = next with { Sequence = checkpoint.Sequence + 1 };
        int offset = LogCheckpoint.SlotOffset(next.Sequence);
        using (PmemAccessScope scope = file.BeginAccess())
        {
            next.WriteTo(scope.GetSpan(offset, LogCheckpoint.Size));
            scope.Persist(offset, LogCheckpoint.Size);
        }
        LogMetrics.Flushed(1);
        checkpoint = next;
        Volatile.Write(ref postedHint, next.Hint);
    }

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
