using System;
using System.IO;
using FASTER.core;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>
/// FasterLog in fast-commit mode (which needs per-entry checksums): Enqueue, then Commit(spinWait: true),
/// so the record is durable when Append returns. Concurrent committers share commits.
/// </summary>
internal sealed class FasterLogAppender : IAppender
{
    private readonly IDevice device;
    private readonly FasterLog log;

    public FasterLogAppender(string directory)
    {
        device = Devices.CreateLogDevice(Path.Combine(directory, "faster.log"), preallocateFile: false, deleteOnClose: true);
        log = new FasterLog(new FasterLogSettings
        {
            LogDevice = device,
            LogCommitDir = Path.Combine(directory, "faster-commits"),
            FastCommitMode = true,
            LogChecksum = LogChecksumType.PerEntry,
        });
    }

    public void Append(ReadOnlySpan<byte> record)
    {
        log.Enqueue(record);
        log.Commit(spinWait: true);
    }

    public void Dispose()
    {
        log.Dispose();
        device.Dispose();
    }
}
