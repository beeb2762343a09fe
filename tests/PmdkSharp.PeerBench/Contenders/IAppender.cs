using System;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>
/// One way to make a record durable before the next: each <see cref="Append"/> returns only once its
/// record would survive a crash (or power loss, where the medium's flush reaches the device).
/// </summary>
internal interface IAppender : IDisposable
{
    /// <summary>Appends one record; safe to call from several threads at once.</summary>
    void Append(ReadOnlySpan<byte> record);
}

/// <summary>A named way to open an <see cref="IAppender"/> in a directory.</summary>
/// <param name="Name">The contender's name in tables and traces.</param>
/// <param name="Open">Creates a fresh appender whose files live in the given (empty) directory and hold up to the given number of record bytes.</param>
internal sealed record Contender(string Name, Func<string, long, IAppender> Open);
