using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PmdkSharp;

/// <summary>The bounds check every ranged member shares: inside the mapped length, without overflowing.</summary>
internal static class RangeCheck
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(long offset, long length, long mapped, string path)
    {
        // offset <= mapped and length <= mapped - offset, with negatives caught by the unsigned compares.
        if ((ulong)offset > (ulong)mapped || (ulong)length > (ulong)(mapped - offset))
            Throw(offset, length, mapped, path);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(long offset, long length, long mapped, string path)
    {
        if (offset < 0)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must not be negative.");
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");
        throw new ArgumentOutOfRangeException(nameof(length), length,
            $"The range at offset {offset} of {length} bytes reaches past the mapped length of {mapped} bytes of '{path}'.");
    }
}
