using System;
using System.IO;

namespace PmdkSharp.Mapping;

/// <summary>
/// Opens or creates the file behind a mapping through .NET's own FileStream, so both backends
/// share one set of modes, permissions and exceptions (FileNotFoundException, UnauthorizedAccessException, ...).
/// </summary>
internal static class FileOpener
{
    public static FileStream Open(string path, FileMode mode, bool readOnly, UnixFileMode permissions)
    {
        var options = new FileStreamOptions
        {
            Mode = mode,
            Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite,
            // Other processes may map the same file (a reader while a writer grows it).
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (mode != FileMode.Open && !OperatingSystem.IsWindows())
            options.UnixCreateMode = permissions;
        if (Directory.Exists(path))
            throw new UnauthorizedAccessException($"'{path}' is a directory, not a file that can be mapped.");
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
