using System;
using System.IO;

namespace PmdkSharp.Mapping;

/// <summary>
/// Opens or creates the file behind a mapping through .NET's own FileStream, so both backends
/// share one set of modes, permissions and exceptions (FileNotFoundException, UnauthorizedAccessException, ...),
/// and says whether this call created the file, so a later failure can remove exactly what it made.
/// </summary>
internal static class FileOpener
{
    /// <summary>How often a file that appears and disappears between two opens is tried again before giving up.</summary>
    private const int RacedAttempts = 8;

    /// <param name="probe">What the path named a moment ago: no lookup is repeated here.</param>
    /// <param name="mode">How to open or create it.</param>
    /// <param name="readOnly">Open for reading only.</param>
    /// <param name="permissions">The mode bits of a file this call creates.</param>
    /// <param name="created">Whether this call created the file.</param>
    public static FileStream Open(PathProbe probe, FileMode mode, bool readOnly, UnixFileMode permissions, out bool created)
    {
        string path = probe.Path;
        if (probe.IsDirectory)
            throw new UnauthorizedAccessException($"'{path}' is a directory, not a file that can be mapped.");
        // Refused before opening: open(2) of a FIFO for reading alone waits for a writer, so a check after it would never run.
        if (probe.IsFifo)
            throw MappableFile.NotMappable(path, "it is a pipe (FIFO), which has no length and no pages to map");
        bool exists = probe.IsFile;
        // OpenOrCreate and Create are split into CreateNew first, then Open/Create, so whether the
        // file is new is known, not guessed from a File.Exists that another process can race.
        for (int attempt = 1; ; attempt++)
        {
            if (mode == FileMode.CreateNew || mode == FileMode.Open)
            {
                created = mode == FileMode.CreateNew;
                return OpenStream(path, mode, readOnly, permissions);
            }
            // Checking first spares the common case (the file exists) a thrown and caught exception;
            // the probe answers the first time, a race (the file came and went) asks again.
            if (!(attempt == 1 ? exists : File.Exists(path)))
            {
                try
                {
                    created = true;
                    return OpenStream(path, FileMode.CreateNew, readOnly, permissions);
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Created by someone else in between: open theirs.
                }
            }
            try
            {
                created = false;
                // Create over an existing file truncates it, as FileMode.Create promises.
                return OpenStream(path, mode == FileMode.Create ? FileMode.Truncate : FileMode.Open, readOnly, permissions);
            }
            catch (FileNotFoundException) when (attempt < RacedAttempts)
            {
                // Deleted between the two opens: create it after all.
            }
        }
    }

    /// <summary>Opens the existing file <paramref name="probe"/> found, for a caller that reads it before it maps it.</summary>
    public static FileStream OpenExisting(PathProbe probe, bool readOnly) =>
        Open(probe, FileMode.Open, readOnly, UnixFileMode.None, out _); // the permissions only apply to a file this creates

    private static FileStream OpenStream(string path, FileMode mode, bool readOnly, UnixFileMode permissions)
    {
        var options = new FileStreamOptions
        {
            Mode = mode,
            Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite,
            // Other processes may map the same file (a reader while a writer grows it).
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (mode is FileMode.CreateNew or FileMode.Create or FileMode.OpenOrCreate)
            options.UnixCreateMode = permissions;
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (e.HResult == Interop.Libc.EROFS)
        {
            // FileStream reports EROFS as a plain IOException; errno mapping everywhere else in the
            // library calls it what it is for the caller: no permission to write here.
            throw new UnauthorizedAccessException(
                $"Cannot open '{path}' for writing: it is on a read-only file system. Open it with ReadOnly = true (and Mode = Open) to map it for reading.", e);
        }
    }
}
