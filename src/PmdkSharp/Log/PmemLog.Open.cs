using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Interop;
using PmdkSharp.Mapping;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating it when the mode allows, and recovers it:
    /// the records are read forward from the checkpoint's hint while they validate, and (with
    /// <see cref="PmemLogOptions.VerifyOnOpen"/>) every live record is checked.
    /// </summary>
    /// <remarks>
    /// An existing file is read before anything is mapped writable: a file that is not a log, or a
    /// log of a newer format version, is refused and left byte-for-byte unchanged. The one existing
    /// file that is formatted is one an interrupted creation left behind: empty, or with a zero magic
    /// and nothing but zeros past the header fields, and only when the mode allows creating. A
    /// device-DAX path (<c>/dev/daxX.Y</c>) holds one log over the whole device: Length and MaxLength
    /// do not apply, and a device whose first page is all zeros is formatted when the mode allows.
    /// A writable open starts a new generation (one checkpoint persist).
    /// </remarks>
    /// <exception cref="ArgumentException">The path is empty or an option is out of range.</exception>
    /// <exception cref="PmemLogFormatException">The file is not a log, is a newer format version, or its header is damaged; or it is a format-1 log opened writable (see <see cref="Upgrade"/>).</exception>
    /// <exception cref="PmemLogCorruptException">A committed record fails its checks (with <see cref="PmemLogOptions.VerifyOnOpen"/>), or the checkpoint makes no sense.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and the mode is <see cref="FileMode.Open"/>.</exception>
    /// <exception cref="IOException">The file exists and the mode is <see cref="FileMode.CreateNew"/>, or another I/O error.</exception>
    public static PmemLog Open(string path, PmemLogOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        PlatformSupport.EnsureSupported();
        // One statx says what the path is (a device, a file, nothing yet); the options are checked
        // against it once, and a file is opened once (PmemFile.OpenProbed repeats neither).
        PathProbe probe = PathProbe.Of(path);
        bool creates = probe.Device is null && OptionRules.Creates(options.Mode, probe.IsFile);
        foreach (OptionProblem problem in OptionRules.CheckLog(path, options.Mode, options.ReadOnly, options.Length, options.MaxLength, options.MaxRecordLength, creates))
            throw problem.ToException();
        if (probe.Device is not null)
            return OpenDevice(probe, options);

        bool exists = probe.IsFile;
        if (options.Mode == FileMode.CreateNew && exists)
            throw new IOException($"Cannot create the log '{path}': the file exists (Mode = CreateNew).");
        if (options.Mode == FileMode.Open && !exists)
            throw new FileNotFoundException($"The log '{path}' does not exist (Mode = Open).", path);
        return exists && options.Mode != FileMode.Create ? OpenExisting(probe, options) : Create(probe, options);
    }

    /// <summary>Opens an existing log with the default options, read-only if asked.</summary>
    public static PmemLog OpenExisting(string path, bool readOnly = false) =>
        Open(path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = readOnly });

    private static PmemFileOptions FileOptions(PmemLogOptions options, FileMode mode, long length, long? maxLength) => new()
    {
        Mode = mode,
        ReadOnly = options.ReadOnly,
        Length = length,
        MaxLength = maxLength,
        Backend = options.Backend,
        Prefault = options.Prefault,
        CrashSimulator = options.CrashSimulator,
        StrategyDecorator = options.StrategyDecorator,
    };

    /// <summary>Creates (or, with <see cref="FileMode.Create"/>, re-creates) the log's file and formats it.</summary>
    private static PmemLog Create(PathProbe probe, PmemLogOptions options)
    {
        PmemFile file = PmemFile.OpenProbed(probe, FileOptions(options, options.Mode, options.Length, options.MaxLength));
        return FormatNew(file, options);
    }

    /// <summary>Formats a file just created, or one an interrupted creation left (sized to Length first if it is shorter).</summary>
    private static PmemLog FormatNew(PmemFile file, PmemLogOptions options)
    {
        try
        {
            if (file.Length < options.Length)
                file.Grow(options.Length);
            return Format(file, options, LogRing.CapacityFor(file.MaxLength));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a fresh header into <paramref name="file"/>. The first generation is random, so that
    /// records an earlier log left in the same bytes (a reused device, say) never validate in this one.
    /// </summary>
    private static PmemLog Format(PmemFile file, PmemLogOptions options, long capacity)
    {
        var first = new LogCheckpoint(1, LogLayout.DataStart, LogLayout.DataStart, (ulong)Random.Shared.NextInt64(1, long.MaxValue), capacity);
        Span<byte> header = file.GetSpan(0, LogLayout.HeaderSize);
        LogLayout.WriteHeaderWithoutMagic(header);
        first.WriteTo(header.Slice(LogCheckpoint.SlotOffset(first.Sequence), LogCheckpoint.Size));
        file.Persist(0, LogLayout.HeaderSize);
        file.Write(LogLayout.MagicOffset, LogLayout.Magic); // aligned 8-byte store: the log exists from here on
        file.Persist(LogLayout.MagicOffset, sizeof(ulong));
        var check = new RecordCheck(file, LogLayout.FormatVersion, new LogRing(capacity), first.Generation);
        return new PmemLog(file, options, check, first, LogLayout.DataStart, LogLayout.CreatedBy, created: true);
    }

    /// <summary>
    /// Opens an existing file once and reads it through that descriptor before anything is mapped
    /// writable (reading cannot change it): another program's file is refused, an interrupted
    /// creation is formatted (when the mode allows), a log is mapped and recovered.
    /// </summary>
    private static PmemLog OpenExisting(PathProbe probe, PmemLogOptions options)
    {
        string path = probe.Path;
        FileStream stream;
        try
        {
            stream = FileOpener.OpenExisting(probe, options.ReadOnly);
        }
        catch (UnauthorizedAccessException) when (!options.ReadOnly)
        {
            // No write access (permissions, a read-only file system): a file that is no log (or a
            // format-1 log) is still reported as such, from a read that changes nothing; a log is refused for the access.
            using (FileStream reader = FileOpener.OpenExisting(probe, readOnly: true))
                Inspect(reader, path, options, out _);
            throw;
        }
        PmemFileOptions fileOptions;
        bool unfinished;
        try
        {
            fileOptions = Inspect(stream, path, options, out unfinished);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        PmemFile file = PmemFile.OpenProbed(probe, fileOptions, stream);
        if (unfinished)
            return FormatNew(file, options);
        try
        {
            return Recover(file, options, created: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The options to map an existing file with, from what it holds; refuses a file that is not a
    /// log it may open. <c>unfinished</c> says the file is an interrupted creation to format (the mode allows it).
    /// </summary>
    private static PmemFileOptions Inspect(FileStream stream, string path, PmemLogOptions options, out bool unfinished)
    {
        SafeFileHandle handle = stream.SafeFileHandle;
        long fileLength = RandomAccess.GetLength(handle);
        unfinished = IsUnfinishedCreation(handle, fileLength);
        if (unfinished)
        {
            if (options.Mode == FileMode.Open)
                throw new PmemLogFormatException(
                    $"'{path}' is not a PmdkSharp log: its magic is zero and the rest is zeros (an interrupted creation?). Open it with Mode = OpenOrCreate to format it.");
            // Reopened as it is (zeros past the header; an empty file is sized to Length), and formatted.
            return FileOptions(options, options.Mode, options.Length, Math.Max(options.MaxLength, fileLength));
        }

        // Refuse another program's file before it is mapped writable: reading cannot change it.
        byte[] header = new byte[LogLayout.HeaderSize];
        int read = RandomAccess.Read(handle, header, 0);
        if (read < LogLayout.HeaderSize)
            throw new PmemLogFormatException($"'{path}' is not a PmdkSharp log: {fileLength} bytes, shorter than the {LogLayout.HeaderSize}-byte header.");
        (uint version, _) = CheckHeader(path, header);
        if (version == LogLayout.FormatOne && !options.ReadOnly)
            throw new PmemLogFormatException(
                $"The log '{path}' has format 1: this library reads it (open it with ReadOnly = true) and rewrites it as format {LogLayout.FormatVersion} " +
                "with PmemLog.Upgrade(path), keeping every record at its position. The file was not changed.");
        long? ringEnd = version == LogLayout.FormatOne ? null : LogCheckpoint.ReadCurrent(header) is { } stored ? LogLayout.DataStart + stored.Capacity : null;
        long maxLength = Math.Max(Math.Max(options.MaxLength, fileLength), ringEnd ?? 0);
        return FileOptions(options, FileMode.Open, 0, options.ReadOnly ? null : maxLength);
    }

    /// <summary>A log over a whole device-DAX device: opened as it is, formatted in place when it holds no log and the mode allows.</summary>
    private static PmemLog OpenDevice(PathProbe probe, PmemLogOptions options)
    {
        string path = probe.Path;
        PmemFile file = PmemFile.OpenProbed(probe, FileOptions(options, FileMode.Open, 0, null));
        try
        {
            if (file.Length < LogLayout.MinimumLength)
                throw new PmemLogFormatException($"The device '{path}' has {file.Length} bytes, fewer than a log needs ({LogLayout.MinimumLength}).");
            ReadOnlySpan<byte> header = file.GetReadOnlySpan(0, LogLayout.HeaderSize);
            bool blank = header.IndexOfAnyExcept((byte)0) < 0;
            bool format = options.Mode == FileMode.Create || (blank && options.Mode == FileMode.OpenOrCreate);
            if (options.Mode == FileMode.CreateNew && !blank)
                throw new IOException($"Cannot create a log on the device '{path}': its first page is not blank (Mode = CreateNew). Use Mode = Create to overwrite it.");
            if (format || options.Mode == FileMode.CreateNew)
            {
                if (file.IsReadOnly)
                    throw new NotSupportedException($"The device '{path}' holds no log and the log is opened read-only.");
                return Format(file, options, LogRing.CapacityFor(file.Length));
            }
            return Recover(file, options, created: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the log's state from the mapping (the one that counts from here on) and finds its end:
    /// format 1 trusts its tail word; format 2 reads forward from the checkpoint's hint while records of
    /// the checkpoint's generation validate, then (writable) persists a checkpoint with that end as
    /// the hint and the next generation, so nothing past the end can validate later.
    /// </summary>
    private static PmemLog Recover(PmemFile file, PmemLogOptions options, bool created)
    {
        long started = Stopwatch.GetTimestamp();
        string path = file.Path;
        (uint version, string createdBy) = CheckHeader(path, file.GetReadOnlySpan(0, LogLayout.HeaderSize));
        RecordCheck check;
        LogCheckpoint state;
        long end;
        if (version == LogLayout.FormatOne)
        {
            end = file.Read<long>(LogLayout.TailOffset);
            if (end < LogLayout.DataStart || end > file.Length || (end & (LogLayout.Alignment - 1)) != 0)
                throw new PmemLogCorruptException(
                    $"The log '{path}' has a committed tail of {end}, outside [{LogLayout.DataStart}, {file.Length}] or not {LogLayout.Alignment}-byte aligned.", new LogPosition(end));
            check = new RecordCheck(file, version, LogRing.Unbounded, 0);
            state = new LogCheckpoint(0, LogLayout.DataStart, end, 0, check.Ring.Capacity);
        }
        else
        {
            state = LogCheckpoint.ReadCurrent(file.GetReadOnlySpan(0, LogLayout.HeaderSize))
                ?? throw new PmemLogCorruptException($"The log '{path}' has no valid checkpoint: both header slots fail their checksums.", new LogPosition(LogLayout.DataStart));
            if (state.Problem(file.Length) is { } problem)
                throw new PmemLogCorruptException($"The log '{path}' has a checkpoint that makes no sense: {problem}.", new LogPosition(state.Hint));
            check = new RecordCheck(file, version, new LogRing(state.Capacity), state.Generation);
            end = ScanForward(check, state);
        }

        var log = new PmemLog(file, options, check, state, end, createdBy, created);
        if (options.VerifyOnOpen)
        {
            LogVerification verification = log.Verify();
            if (!verification.IsValid)
                throw new PmemLogCorruptException(
                    $"The log '{path}' is damaged below its committed end ({end}): {verification.Error} " +
                    $"{verification.Records} records before it are intact. Open with VerifyOnOpen = false to read them.",
                    verification.CorruptAt!.Value);
        }
        if (!file.IsReadOnly && version != LogLayout.FormatOne)
            log.StartGeneration(end);
        LogMetrics.Recovered(log.CountRecords(state.Hint, end), Stopwatch.GetElapsedTime(started));
        return log;
    }

    /// <summary>
    /// The end of the log: from the hint, every record (or lap-end marker) of the checkpoint's
    /// generation that validates, up to the first that does not. Records of an older generation
    /// are an earlier session's leftovers past its end, or records truncated away: never part of the log.
    /// </summary>
    private static long ScanForward(RecordCheck check, LogCheckpoint state)
    {
        // A record is never further from the start than the ring holds.
        long limit = state.Start + check.Ring.Capacity;
        long end = state.Hint; // after the last whole batch
        long at = end;
        while (true)
        {
            RecordKind kind = check.Examine(at, limit, currentGenerationOnly: true, out _, out long next, out bool batchContinues, out _);
            if (kind == RecordKind.Invalid)
                return end;
            if (kind == RecordKind.Skip && (at != end || !IsRecordAt(check, next, limit)))
                return end; // a lap end skipped by nothing (or inside a batch, which never crosses one)
            at = next;
            if (!batchContinues)
                end = at;
        }
    }

    private static bool IsRecordAt(RecordCheck check, long at, long limit) =>
        at < limit && check.Examine(at, limit, currentGenerationOnly: true, out _, out _, out _) == RecordKind.Record;

    /// <summary>Makes <paramref name="end"/> the hint and starts the next generation; raises the capacity to MaxLength's while the log has not wrapped.</summary>
    private void StartGeneration(long end)
    {
        using (EnterGate())
        {
            long capacity = checkpoint.Capacity;
            long wanted = LogRing.CapacityFor(file.MaxLength);
            if (wanted > capacity && end <= LogLayout.DataStart + capacity)
                capacity = wanted; // every position is still its file offset under either capacity
            WriteCheckpoint(checkpoint with { Hint = end, Generation = checkpoint.Generation + 1, Capacity = capacity });
            check = new RecordCheck(file, check.Format, new LogRing(capacity), checkpoint.Generation);
        }
    }

    private long CountRecords(long from, long end)
    {
        long records = 0;
        while (TryReadRecord(from, end, out _, out _, out long next))
        {
            records++;
            from = next;
        }
        return records;
    }

    /// <summary>Checks magic, version, record format and header checksum; returns the version and the created-by text.</summary>
    private static (uint Version, string CreatedBy) CheckHeader(string path, ReadOnlySpan<byte> header)
    {
        ulong magic = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (magic != LogLayout.Magic)
            throw new PmemLogFormatException($"'{path}' is not a PmdkSharp log: its first 8 bytes are {magic:X16}, not the log magic {LogLayout.Magic:X16} (\"PMDKSLOG\"). The file was not changed.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[LogLayout.VersionOffset..]);
        string createdBy = LogLayout.ReadCreatedBy(header);
        if (version > LogLayout.FormatVersion)
            throw new PmemLogFormatException($"The log '{path}' has format version {version}, created by '{createdBy}'; this library reads version {LogLayout.FormatVersion} and older. Upgrade PmdkSharp to open it. The file was not changed.");
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(header[LogLayout.HeaderChecksumOffset..]);
        if (stored != LogLayout.HeaderChecksum(header, magic))
            throw new PmemLogFormatException($"The log '{path}' has a damaged header: its checksum does not match. The file was not changed.");
        if (version == 0)
            throw new PmemLogFormatException($"The log '{path}' has format version 0, which no library writes. The file was not changed.");
        uint recordFormat = BinaryPrimitives.ReadUInt32LittleEndian(header[LogLayout.RecordFormatOffset..]);
        long dataStart = BinaryPrimitives.ReadInt64LittleEndian(header[LogLayout.DataStartOffset..]);
        if (recordFormat != version || dataStart != LogLayout.DataStart)
            throw new PmemLogFormatException($"The log '{path}' (format {version}) uses record format {recordFormat} with records from {dataStart}; this library reads record format {version} from {LogLayout.DataStart}. The file was not changed.");
        return (version, createdBy);
    }

    /// <summary>
    /// An existing file that a crashed <see cref="Create"/> left: empty, or a zero magic and only
    /// zeros past the header fields (Create writes nothing else before the magic).
    /// </summary>
    private static bool IsUnfinishedCreation(SafeFileHandle handle, long length)
    {
        if (length == 0)
            return true;
        byte[] buffer = new byte[64 << 10];
        long offset = 0;
        int used = LogLayout.HeaderUsedLength(LogLayout.FormatVersion);
        while (offset < length)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
                break;
            ReadOnlySpan<byte> chunk = buffer.AsSpan(0, read);
            if (offset == 0)
            {
                if (read < sizeof(ulong) || BinaryPrimitives.ReadUInt64LittleEndian(chunk) != 0)
                    return false;
                chunk = read > used ? chunk[used..] : default;
            }
            if (chunk.IndexOfAnyExcept((byte)0) >= 0)
                return false;
            offset += read;
        }
        return true;
    }
}
