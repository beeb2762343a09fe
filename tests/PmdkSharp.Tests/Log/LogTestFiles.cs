using System;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;

namespace PmdkSharp.Tests.Log;

/// <summary>Options and payloads shared by the log tests.</summary>
internal static class LogTestFiles
{
    public const int RecordHeaderSize = 16;

    /// <summary>The two checkpoint slots of a format-2 header, 64 bytes apart.</summary>
    public const int CheckpointOffset = 128;

    public static PmemLogOptions Options(PmemBackendKind backend, long length = 16 << 10, long maxLength = 16 << 20, FileMode mode = FileMode.OpenOrCreate,
        CrashSimulator? simulator = null) =>
        new() { Backend = backend, Length = length, MaxLength = maxLength, Mode = mode, CrashSimulator = simulator };

    /// <summary>Payload i of a run: its length and bytes follow from (seed, i), so a reader can check any record alone.</summary>
    public static byte[] Payload(int seed, long i, int maxLength = 300)
    {
        var random = new Random(unchecked(seed * 1_000_003 + (int)i)); // not HashCode.Combine: its seed changes per process
        var bytes = new byte[random.Next(1, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Flips bits of one byte of a closed log file through an ordinary mapping (as a damaged medium would).</summary>
    public static void Xor(string path, PmemBackendKind backend, long offset, byte mask)
    {
        using var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.Open, Backend = backend });
        file.Write(offset, (byte)(file.Read<byte>(offset) ^ mask));
        file.Persist(offset, 1);
    }

    /// <summary>Writes bytes into a closed log file without touching its tail.</summary>
    public static void Poke(string path, PmemBackendKind backend, long offset, ReadOnlySpan<byte> bytes)
    {
        using var file = PmemFile.Open(path, new PmemFileOptions { Mode = FileMode.Open, Backend = backend });
        file.CopyPersist(offset, bytes);
    }

    /// <summary>The end another opener recovers from the file as it is now (a read-only open: it changes nothing).</summary>
    public static long RecoveredEnd(string path, PmemBackendKind backend)
    {
        using var log = PmemLog.Open(path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = true, Backend = backend });
        return log.End.Offset;
    }
}
