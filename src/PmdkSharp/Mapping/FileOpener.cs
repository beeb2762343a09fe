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
        return new FileStream(path, options);
    }
}
