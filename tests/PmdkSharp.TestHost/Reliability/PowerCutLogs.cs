using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using PmdkSharp.Durability;
using PmdkSharp.Log;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>A log that power-log appends to and recovers: the test host's own format, or the library's PmemLog.</summary>
internal interface IPowerCutLog : IDisposable
{
    /// <summary>The sequence number of the last recovered or appended record (records are 1, 2, 3, ...).</summary>
    long LastSequence { get; }

    /// <summary>
    /// The sequence number of the first live record of a log that drops its head (LastSequence + 1
    /// when it holds none); null for a log that always starts at record 1.
    /// </summary>
    long? FirstSequence { get; }

    /// <summary>Appends the next <paramref name="count"/> records durably (a batch when more than one), unless persists are dropped.</summary>
    void Append(int count);
}

/// <summary><see cref="ChecksummedLog"/> over a PmemFile: one record per call, persisted unless the mode is no-persist.</summary>
internal sealed class ChecksummedPowerCutLog : IPowerCutLog
{
    private readonly PmemFile file;
    private readonly bool persist;
    private long commit;

    private ChecksummedPowerCutLog(PmemFile file, bool persist, long commit, long lastSequence)
    {
        this.file = file;
        this.persist = persist;
        this.commit = commit;
        LastSequence = lastSequence;
    }

    public long LastSequence { get; private set; }

    public long? FirstSequence => null;

    /// <summary>Recovers the log at <paramref name="path"/>; <paramref name="error"/> says why it is corrupt (and null is returned).</summary>
    public static ChecksummedPowerCutLog? Recover(string path, PmemBackendKind backend, bool persist, out string? error)
    {
        PmemFile file = OpenFile(path, backend);
        ChecksummedLog.ScanResult recovered = ChecksummedLog.Scan(file);
        error = recovered.Error;
        if (error is not null)
        {
            file.Dispose();
            return null;
        }
        return new ChecksummedPowerCutLog(file, persist, recovered.Commit, recovered.LastSequence);
    }

    /// <summary>Makes the file a log if the cut came before its header was written.</summary>
    public void Initialize()
    {
        if (file.Read<ulong>(ChecksummedLog.MagicOffset) == 0)
            ChecksummedLog.Initialize(file);
    }

    public void Append(int count)
    {
        for (int i = 0; i < count; i++)
            commit = ChecksummedLog.Append(file, commit, ++LastSequence, persist);
    }

    public void Dispose() => file.Dispose();

    /// <summary>Opens (or creates) a growable log file; a device-DAX device is opened whole, as it is.</summary>
    public static PmemFile OpenFile(string path, PmemBackendKind backend) => PmemFile.Open(path, IsDevice(path)
        ? new PmemFileOptions { Backend = backend, Mode = FileMode.Open }
        : new PmemFileOptions { Backend = backend, Length = 64 << 10, MaxLength = 1L << 30 });

    /// <summary>Whether the log is a device (device DAX) rather than a file.</summary>
    public static bool IsDevice(string path) => path.StartsWith("/dev/", StringComparison.Ordinal);
}

/// <summary>
/// The library's <see cref="PmemLog"/>; record N is <see cref="LogCommands.Payload"/>(N). Without
/// persists (the no-persist mutation) its file's durability strategy drops every flush and drain.
/// A ring (<see cref="RingMaxLength"/>) drops its head as it appends (PowerCutHeadDrops.cs), so it
/// holds records F, F+1, ..., L, F being any sequence number.
/// </summary>
internal sealed partial class PmemLogPowerCutLog : IPowerCutLog
{
    private readonly PmemLog log;
    private readonly ReadOnlyMemory<byte>[] batch = new ReadOnlyMemory<byte>[16];
    private readonly LogPosition[] positions = new LogPosition[16];
    // A ring's live records, oldest first: the head is dropped at one of their positions.
    private readonly Queue<(long Sequence, LogPosition Position)>? live;
    // The AllButHeadDrops mutation: set while TruncateBefore runs, and the file's strategy then persists nothing.
    private readonly StrongBox<bool>? headDropsUnpersisted;

    private PmemLogPowerCutLog(PmemLog log, long lastSequence, Queue<(long, LogPosition)>? live, StrongBox<bool>? headDropsUnpersisted)
    {
        this.log = log;
        this.live = live;
        this.headDropsUnpersisted = headDropsUnpersisted;
        LastSequence = lastSequence;
    }

    public long LastSequence { get; private set; }

    public long? FirstSequence => live is null ? null : live.Count > 0 ? live.Peek().Sequence : LastSequence + 1;

    /// <summary>
    /// Opens (recovers) the log and reads every record from its start: each must be the next
    /// sequence number with exactly its payload, the first being 1 (or, for a ring, any sequence
    /// number). <paramref name="error"/> says what was wrong (and null is returned).
    /// </summary>
    public static PmemLogPowerCutLog? Recover(string path, PmemBackendKind backend, PowerCutPersists persists, bool ring, out string? error)
    {
        PmemLog log;
        // Whether persists are being dropped right now: always (None), or while the head is dropped (AllButHeadDrops).
        var dropping = new StrongBox<bool>(persists == PowerCutPersists.None);
        try
        {
            log = PmemLog.Open(path, new PmemLogOptions
            {
                Backend = backend,
                Length = 64 << 10,
                MaxLength = ring ? RingMaxLength : 1L << 30,
                StrategyDecorator = persists == PowerCutPersists.All ? null : inner => new DroppedPersistStrategy(inner, dropping),
            });
        }
        catch (IOException e) when (e is PmemLogCorruptException or PmemLogFormatException)
        {
            error = $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ");
            return null;
        }
        var live = ring ? new Queue<(long, LogPosition)>() : null;
        long sequence = 0;
        bool first = true;
        error = null;
        try
        {
            foreach (LogRecord record in log.ReadAll())
            {
                long found = record.Payload.Length >= sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(record.Payload) : -1;
                if (first && ring && found >= 1)
                    sequence = found - 1; // the checks below hold it to exactly record `found`
                first = false;
                byte[] expected = LogCommands.Payload(sequence + 1);
                if (!record.Payload.SequenceEqual(expected))
                {
                    error = $"record {sequence + 1} at {record.Position}: {record.Payload.Length} bytes, sequence {found}, not the expected {expected.Length} bytes";
                    break;
                }
                sequence++;
                live?.Enqueue((sequence, record.Position));
            }
        }
        catch (PmemLogCorruptException e)
        {
            error = $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ");
        }
        if (error is not null)
        {
            log.Dispose();
            return null;
        }
        return new PmemLogPowerCutLog(log, sequence, live, persists == PowerCutPersists.AllButHeadDrops ? dropping : null);
    }

    public void Append(int count)
    {
        for (int i = 0; i < count; i++)
            batch[i] = LogCommands.Payload(LastSequence + 1 + i);
        DropHeadNowAndThen();
        if (count == 1)
            positions[0] = log.Append(batch[0].Span);
        else
            log.AppendBatch(batch.AsSpan(0, count), positions);
        for (int i = 0; i < count; i++)
            live?.Enqueue((LastSequence + 1 + i, positions[i]));
        LastSequence += count;
    }

    public void Dispose() => log.Dispose();

    /// <summary>The mutations: while <paramref name="dropping"/> holds, stores still happen, but nothing is flushed, drained or msynced.</summary>
    private sealed unsafe class DroppedPersistStrategy(DurabilityStrategy inner, StrongBox<bool> dropping) : DurabilityStrategy
    {
        public override PersistMethod Method => inner.Method;

        public override StoreGranularity Granularity => inner.Granularity;

        public override bool StoresThroughFile => inner.StoresThroughFile;

        public override void Store(byte* destination, byte* source, nuint length) => inner.Store(destination, source, length);

        public override void Persist(byte* address, nuint length)
        {
            if (!dropping.Value)
                inner.Persist(address, length);
        }

        public override void Flush(byte* address, nuint length)
        {
            if (!dropping.Value)
                inner.Flush(address, length);
        }

        public override void Drain()
        {
            if (!dropping.Value)
                inner.Drain();
        }

        public override void CopyPersist(byte* destination, byte* source, nuint length)
        {
            if (dropping.Value)
                Buffer.MemoryCopy(source, destination, length, length);
            else
                inner.CopyPersist(destination, source, length);
        }

        public override void CopyFlush(byte* destination, byte* source, nuint length)
        {
            if (dropping.Value)
                Buffer.MemoryCopy(source, destination, length, length);
            else
                inner.CopyFlush(destination, source, length);
        }

        public override void FillPersist(byte* destination, byte value, nuint length)
        {
            if (dropping.Value)
                new Span<byte>(destination, checked((int)length)).Fill(value);
            else
                inner.FillPersist(destination, value, length);
        }
    }
}

/// <summary>Which persists the power-cut writer does: all, or (mutations the host's check must catch) none, or all but the rings' head drops.</summary>
internal enum PowerCutPersists
{
    All,
    None,
    AllButHeadDrops,
}
