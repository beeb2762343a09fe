using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp.Log;

public sealed partial class PmemLog
{
    /// <summary>
    /// Rewrites a format-1 log as a log of the current format, every record at the position it had
    /// (both formats frame a record the same size), so positions an application stored stay valid.
    /// The new log is written beside the old one (<c>PATH.upgrade</c>) and renamed over it: a crash
    /// leaves either the old log or the new one. Does nothing to a log that is already current.
    /// Returns true when the file was rewritten.
    /// </summary>
    /// <param name="path">The log to upgrade; no other process may have it open.</param>
    /// <param name="options">Options for the new log (MaxLength, Backend); Mode and ReadOnly are ignored.</param>
    /// <exception cref="PmemLogFormatException">The file is not a log.</exception>
    /// <exception cref="PmemLogCorruptException">A record of the old log is damaged; nothing was changed.</exception>
    public static bool Upgrade(string path, PmemLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PmemLogOptions();
        string temporary = path + ".upgrade";
        using (PmemLog old = Open(path, new PmemLogOptions { Mode = FileMode.Open, ReadOnly = true, Backend = options.Backend }))
        {
            if (old.FileFormatVersion == FormatVersion)
                return false;
            File.Delete(temporary);
            long length = Math.Max(LogLayout.MinimumLength, old.Length);
            using PmemLog upgraded = Open(temporary, new PmemLogOptions
            {
                Mode = FileMode.CreateNew,
                Length = length,
                MaxLength = Math.Max(options.MaxLength, length),
                MaxRecordLength = LogLayout.MaxPayload,
                Backend = options.Backend,
            });
            var batch = new List<ReadOnlyMemory<byte>>();
            var expected = new List<long>();
            long batchBytes = 0;
            foreach (LogRecord record in old.ReadAll())
            {
                batch.Add(record.Payload.ToArray());
                expected.Add(record.Position.Offset);
                batchBytes += record.Payload.Length;
                if (batchBytes >= 1 << 20)
                    CopyBatch(upgraded, batch, expected, ref batchBytes);
            }
            CopyBatch(upgraded, batch, expected, ref batchBytes);
        }
        File.Move(temporary, path, overwrite: true);
        return true;
    }

    private static void CopyBatch(PmemLog target, List<ReadOnlyMemory<byte>> batch, List<long> expected, ref long batchBytes)
    {
        if (batch.Count == 0)
            return;
        var positions = new LogPosition[batch.Count];
        target.AppendBatch(batch.ToArray(), positions);
        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i].Offset != expected[i])
                throw new InvalidOperationException($"Upgrading '{target.Path}': a record landed at {positions[i]}, not at its old position {expected[i]}.");
        }
        batch.Clear();
        expected.Clear();
        batchBytes = 0;
    }
}
