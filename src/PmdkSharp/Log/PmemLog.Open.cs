using System;
using System.Buffers.Binary;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating it when the mode allows, and recovers it:
    /// the committed tail is read from the header and (with <see cref="PmemLogOptions.VerifyOnOpen"/>)
    /// every record below it is checked.
    /// </summary>
    /// <remarks>
    /// An existing file is read before anything is mapped writable: a file that is not a log, or a
    /// log of a newer format version, is refused and left byte-for-byte unchanged. The one existing
    /// file that is formatted is one an interrupted creation left behind: empty, or with a zero magic
    /// and nothing but zeros past the header fields, and only when the mode allows creating.
    /// </remarks>
    /// <exception cref="ArgumentException">The path is empty or an option is out of range.</exception>
    /// <exception cref="PmemLogFormatException">The file is not a log, is a newer format version, or its header is damaged.</exception>
    /// <exception cref="PmemLogCorruptException">A committed record fails its checks (with <see cref="PmemLogOptions.VerifyOnOpen"/>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and the mode is <see cref="FileMode.Open"/>.</exception>
    /// <exception cref="IOException">The file exists and the mode is <see cref="FileMode.CreateNew"/>, or another I/O error.</exception>
    public static PmemLog Open(string path, PmemLogOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        bool exists = File.Exists(path);
        if (options.Mode == FileMode.CreateNew && exists)
            throw new IOException($"Cannot create the log '{path}': the file exists (Mode = CreateNew).");
        if (options.Mode == FileMode.Open && !exists)
            throw new FileNotFoundException($"The log '{path}' does not exist (Mode = Open).", path);

        bool create = !exists || options.Mode == FileMode.Create;
        if (exists && options.Mode != FileMode.Create && IsUnfinishedCreation(path))
        {
            if (options.Mode == FileMode.Open)
                throw new PmemLogFormatException(
                    $"'{path}' is not a PmdkSharp log: its magic is zero and the rest is zeros (an interrupted creation?). Open it with Mode = OpenOrCreate to format it.");
            create = true;
        }
        return create ? Create(path, options, exists) : OpenExisting(path, options);
    }

    /// <summary>Opens an existing log with the default options, read-only if asked.</summary>
    public static PmemLog OpenExisting(string path, bool readOnly = false) =>
        Open(path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = readOnly });

    private static void Validate(PmemLogOptions options)
    {
        if (options.Mode is not (FileMode.Open or FileMode.OpenOrCreate or FileMode.CreateNew or FileMode.Create))
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Mode must be Open, OpenOrCreate, CreateNew or Create.");
        if (options.Length < LogLayout.MinimumLength)
            throw new ArgumentOutOfRangeException(nameof(options), options.Length, $"Length must be at least {LogLayout.MinimumLength} bytes (the header page and one page of records).");
        if (options.MaxLength < options.Length)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxLength, $"MaxLength ({options.MaxLength}) is less than Length ({options.Length}).");
        if (options.MaxRecordLength is < 1 or > LogLayout.MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRecordLength, $"MaxRecordLength must be between 1 and {LogLayout.MaxPayload}.");
        if (options.ReadOnly && options.Mode != FileMode.Open)
            throw new ArgumentException("A read-only log can only open an existing file (Mode = Open).", nameof(options));
    }

    /// <summary>Creates (or re-creates) the log: every header field and the tail are persisted first, the magic that vouches for them last.</summary>
    private static PmemLog Create(string path, PmemLogOptions options, bool exists)
    {
        PmemFile file = PmemFile.Open(path, new PmemFileOptions
        {
            // OpenOrCreate reopens an interrupted creation as it is (zeros past the header; an empty file is sized to Length).
            Mode = options.Mode,
            Length = options.Length,
            MaxLength = Math.Max(options.MaxLength, exists ? new FileInfo(path).Length : 0),
            Backend = options.Backend,
            Prefault = options.Prefault,
            CrashSimulator = options.CrashSimulator,
            StrategyDecorator = options.StrategyDecorator,
        });
        try
        {
            if (file.Length < options.Length)
                file.Grow(options.Length);
            Span<byte> header = file.GetSpan(0, LogLayout.HeaderSize);
            LogLayout.WriteHeaderWithoutMagic(header);
            file.Persist(0, LogLayout.HeaderSize);
            file.Write(LogLayout.MagicOffset, LogLayout.Magic); // aligned 8-byte store: the log exists from here on
            file.Persist(LogLayout.MagicOffset, sizeof(ulong));
            return new PmemLog(file, options, LogLayout.DataStart, LogLayout.CreatedBy, created: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static PmemLog OpenExisting(string path, PmemLogOptions options)
    {
        // Refuse another program's file before it is mapped writable: reading cannot change it.
        byte[] header = new byte[LogLayout.HeaderSize];
        long fileLength;
        using (SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read))
        {
            fileLength = RandomAccess.GetLength(handle);
            int read = RandomAccess.Read(handle, header, 0);
            if (read < LogLayout.HeaderSize)
                throw new PmemLogFormatException($"'{path}' is not a PmdkSharp log: {fileLength} bytes, shorter than the {LogLayout.HeaderSize}-byte header.");
        }
        string createdBy = CheckHeader(path, header);

        PmemFile file = PmemFile.Open(path, new PmemFileOptions
        {
            Mode = FileMode.Open,
            ReadOnly = options.ReadOnly,
            MaxLength = options.ReadOnly ? null : Math.Max(options.MaxLength, fileLength),
            Backend = options.Backend,
            Prefault = options.Prefault,
            CrashSimulator = options.CrashSimulator,
            StrategyDecorator = options.StrategyDecorator,
        });
        try
        {
            // The mapping's own copy is what counts from here on (the file could have changed in between).
            createdBy = CheckHeader(path, file.GetReadOnlySpan(0, LogLayout.HeaderSize));
            long tail = file.Read<long>(LogLayout.TailOffset);
            if (tail < LogLayout.DataStart || tail > file.Length || (tail & (LogLayout.Alignment - 1)) != 0)
                throw new PmemLogCorruptException(
                    $"The log '{path}' has a committed tail of {tail}, outside [{LogLayout.DataStart}, {file.Length}] or not {LogLayout.Alignment}-byte aligned.", new LogPosition(tail));
            var log = new PmemLog(file, options, tail, createdBy, created: false);
            if (options.VerifyOnOpen)
            {
                LogVerification verification = log.Verify();
                if (!verification.IsValid)
                    throw new PmemLogCorruptException(
                        $"The log '{path}' is damaged below its committed tail ({tail}): {verification.Error} " +
                        $"{verification.Records} records before it are intact. Open with VerifyOnOpen = false to read them.",
                        verification.CorruptAt!.Value);
            }
            return log;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Checks magic, version, record format and header checksum; returns the created-by text.</summary>
    private static string CheckHeader(string path, ReadOnlySpan<byte> header)
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
        if (recordFormat != LogLayout.RecordFormat || dataStart != LogLayout.DataStart)
            throw new PmemLogFormatException($"The log '{path}' uses record format {recordFormat} with records from {dataStart}; this library reads format {LogLayout.RecordFormat} from {LogLayout.DataStart}. The file was not changed.");
        return createdBy;
    }

    /// <summary>
    /// An existing file that a crashed <see cref="Create"/> left: empty, or a zero magic and only
    /// zeros past the header fields (Create writes nothing else before the magic).
    /// </summary>
    private static bool IsUnfinishedCreation(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(handle);
        if (length == 0)
            return true;
        byte[] buffer = new byte[64 << 10];
        long offset = 0;
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
                chunk = read > LogLayout.HeaderUsedLength ? chunk[LogLayout.HeaderUsedLength..] : default;
            }
            if (chunk.IndexOfAnyExcept((byte)0) >= 0)
                return false;
            offset += read;
        }
        return true;
    }
}
