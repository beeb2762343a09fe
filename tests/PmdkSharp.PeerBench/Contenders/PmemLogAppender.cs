using System;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>PmemLog with the options a new user starts from: only the size limit is raised to fit the run.</summary>
internal sealed class PmemLogAppender(string directory, long capacity) : IAppender
{
    private readonly PmemLog log = PmemLog.Open(Path.Combine(directory, "pmemlog.log"), new PmemLogOptions
    {
        Mode = FileMode.CreateNew,
        MaxLength = Math.Max(PmemLogDefaults.MaxLength, 2 * capacity + (64L << 20)),
    });

    public void Append(ReadOnlySpan<byte> record) => log.Append(record);

    public void Dispose() => log.Dispose();
}

internal static class PmemLogDefaults
{
    public static readonly long MaxLength = new PmemLogOptions().MaxLength;
}
