using System;
using System.Buffers.Binary;
using System.IO;
using PmdkSharp.Durability;
using PmdkSharp.Log;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>A log that power-log appends to and recovers: the test host's own format, or the library's PmemLog.</summary>
internal interface IPowerCutLog : IDisposable
{
    /// <summary>The sequence number of the last recovered or appended record (records are 1, 2, 3, ...).</summary>
    long LastSequence { get; }

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
/// </summary>
internal sealed class PmemLogPowerCutLog : IPowerCutLog
{
    private readonly PmemLog log;
    private readonly ReadOnlyMemory<byte>[] batch = new ReadOnlyMemory<byte>[16];

    private PmemLogPowerCutLog(PmemLog log, long lastSequence)
    {
        this.log = log;
        LastSequence = lastSequence;
    }

    public long LastSequence { get; private set; }

    /// <summary>
    /// Opens (recovers) the log and reads every record: each must be the next sequence number with
    /// exactly its payload. <paramref name="error"/> says what was wrong (and null is returned).
    /// </summary>
    public static PmemLogPowerCutLog? Recover(string path, PmemBackendKind backend, bool persist, out string? error)
    {
        PmemLog log;
        try
        {
            log = PmemLog.Open(path, new PmemLogOptions
            {
                Backend = backend,
                Length = 64 << 10,
                MaxLength = 1L << 30,
                StrategyDecorator = persist ? null : inner => new DroppedPersistStrategy(inner),
            });
        }
        catch (IOException e) when (e is PmemLogCorruptException or PmemLogFormatException)
        {
            error = $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ");
            return null;
        }
        long sequence = 0;
        error = null;
        try
        {
            foreach (LogRecord record in log.ReadAll())
            {
                byte[] expected = LogCommands.Payload(sequence + 1);
                if (!record.Payload.SequenceEqual(expected))
                {
                    long found = record.Payload.Length >= sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(record.Payload) : -1;
                    error = $"record {sequence + 1} at {record.Position}: {record.Payload.Length} bytes, sequence {found}, not the expected {expected.Length} bytes";
                    break;
                }
                sequence++;
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
        return new PmemLogPowerCutLog(log, sequence);
    }

    public void Append(int count)
    {
        if (count == 1)
        {
            log.Append(LogCommands.Payload(LastSequence + 1));
        }
        else
        {
            for (int i = 0; i < count; i++)
                batch[i] = LogCommands.Payload(LastSequence + 1 + i);
            log.AppendBatch(batch.AsSpan(0, count));
        }
        LastSequence += count;
    }

    public void Dispose() => log.Dispose();

    /// <summary>The mutation: stores still happen, but nothing is flushed, drained or msynced.</summary>
    private sealed unsafe class DroppedPersistStrategy(DurabilityStrategy inner) : DurabilityStrategy
    {
        public override PersistMethod Method => inner.Method;

        public override StoreGranularity Granularity => inner.Granularity;

        public override void Persist(byte* address, nuint length) { }

        public override void Flush(byte* address, nuint length) { }

        public override void Drain() { }

        public override void CopyPersist(byte* destination, byte* source, nuint length) => Buffer.MemoryCopy(source, destination, length, length);

        public override void FillPersist(byte* destination, byte value, nuint length) => new Span<byte>(destination, checked((int)length)).Fill(value);
    }
}
