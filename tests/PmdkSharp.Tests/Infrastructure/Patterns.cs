using System;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>Deterministic byte patterns, so a mismatch points at the offset that went wrong.</summary>
public static class Patterns
{
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static PmemFileOptions Options(PmemBackendKind backend, long length, long? maxLength = null) =>
        new() { Backend = backend, Length = length, MaxLength = maxLength };
}
