using System;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>
/// Opens a log the way every <c>pmemsharp log</c> command does: read-only, without verifying (the
/// commands read the records themselves and report damage), and turns each way of failing into one
/// line and its exit code.
/// </summary>
internal static class LogOpener
{
    /// <summary>The first 8 bytes of every PmdkSharp log, whatever its format version: "PMDKSLOG".</summary>
    private static ReadOnlySpan<byte> Magic => "PMDKSLOG"u8;

    /// <summary>The read-only log at <paramref name="path"/>, or null after writing why to <paramref name="error"/> (<paramref name="exitCode"/> says which failure).</summary>
    public static PmemLog? TryOpen(string path, TextWriter error, out int exitCode)
    {
        exitCode = LogExitCodes.Ok;
        if (Directory.Exists(path))
            return Fail(error, $"'{path}' is a directory, not a log file.", LogExitCodes.Directory, out exitCode);
        if (!File.Exists(path))
            return Fail(error, $"'{path}' does not exist.", LogExitCodes.Missing, out exitCode);
        try
        {
            return PmemLog.Open(path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = true, VerifyOnOpen = false });
        }
        catch (PmemLogFormatException e)
        {
            return StartsWithMagic(path)
                ? Fail(error, $"'{path}' is a log whose header cannot be read: {e.Message}", LogExitCodes.DamagedHeader, out exitCode)
                : Fail(error, e.Message, LogExitCodes.NotALog, out exitCode);
        }
        catch (PmemLogCorruptException e)
        {
            return Fail(error, $"damaged at {e.Position}: {e.Message}", LogExitCodes.DamagedRecord, out exitCode);
        }
        catch (FileNotFoundException)
        {
            return Fail(error, $"'{path}' does not exist.", LogExitCodes.Missing, out exitCode); // removed since the check above
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PmemBackendUnavailableException or NotSupportedException)
        {
            return Fail(error, $"cannot open '{path}': {e.Message}", LogExitCodes.Failed, out exitCode);
        }
    }

    /// <summary>Writes <c>pmemsharp: MESSAGE</c>, the one line every failure of these commands gets.</summary>
    public static void Report(TextWriter error, string message) => error.WriteLine($"pmemsharp: {message}");

    private static PmemLog? Fail(TextWriter error, string message, int code, out int exitCode)
    {
        Report(error, message);
        exitCode = code;
        return null;
    }

    /// <summary>Whether the file claims to be a log: a damaged or newer header then, rather than another program's file.</summary>
    private static bool StartsWithMagic(string path)
    {
        Span<byte> first = stackalloc byte[8];
        try
        {
            using FileStream stream = File.OpenRead(path);
            return stream.ReadAtLeast(first, first.Length, throwOnEndOfStream: false) == first.Length && first.SequenceEqual(Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
