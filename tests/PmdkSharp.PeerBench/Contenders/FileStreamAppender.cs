using System;
using System.IO;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>FileStream.Write + Flush(true) (write + fsync), under a lock when several threads append: what .NET offers first.</summary>
internal sealed class FileStreamAppender(string directory) : IAppender
{
    private readonly FileStream stream = new(Path.Combine(directory, "filestream.log"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
    private readonly object gate = new();

    public void Append(ReadOnlySpan<byte> record)
    {
        lock (gate)
        {
            stream.Write(record);
            stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => stream.Dispose();
}
