using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// Whole cache lines written with streaming stores (MOVNTDQ / VMOVNTDQ), which go around the
/// cache to memory: after an SFENCE they are in the persistence domain with no flush at all,
/// which is why libpmem uses them for copies from 256 bytes. The destination must be 64-byte
/// aligned; the source may be anywhere.
/// </summary>
internal static unsafe class NonTemporalStores
{
    /// <summary>Whether this process can issue them (SSE2 is part of x86-64).</summary>
    public static bool IsSupported => Sse2.IsSupported;

    /// <summary>"AVX" or "SSE2": which vector width the streaming stores use.</summary>
    public static string Width => Avx.IsSupported ? "AVX, 32-byte stores" : "SSE2, 16-byte stores";

    public static void CopyLines(byte* destination, byte* source, nuint lines)
    {
        if (Avx.IsSupported)
        {
            for (; lines != 0; lines--, destination += CacheLines.Size, source += CacheLines.Size)
            {
                Avx.StoreAlignedNonTemporal(destination, Avx.LoadVector256(source));
                Avx.StoreAlignedNonTemporal(destination + 32, Avx.LoadVector256(source + 32));
            }
            return;
        }
        for (; lines != 0; lines--, destination += CacheLines.Size, source += CacheLines.Size)
        {
            Sse2.StoreAlignedNonTemporal(destination, Sse2.LoadVector128(source));
            Sse2.StoreAlignedNonTemporal(destination + 16, Sse2.LoadVector128(source + 16));
            Sse2.StoreAlignedNonTemporal(destination + 32, Sse2.LoadVector128(source + 32));
            Sse2.StoreAlignedNonTemporal(destination + 48, Sse2.LoadVector128(source + 48));
        }
    }

    public static void FillLines(byte* destination, byte value, nuint lines)
    {
        if (Avx.IsSupported)
        {
            Vector256<byte> v = Vector256.Create(value);
            for (; lines != 0; lines--, destination += CacheLines.Size)
            {
                Avx.StoreAlignedNonTemporal(destination, v);
                Avx.StoreAlignedNonTemporal(destination + 32, v);
            }
            return;
        }
        Vector128<byte> w = Vector128.Create(value);
        for (; lines != 0; lines--, destination += CacheLines.Size)
            StoreLine(destination, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLine(byte* destination, Vector128<byte> value)
    {
        Sse2.StoreAlignedNonTemporal(destination, value);
        Sse2.StoreAlignedNonTemporal(destination + 16, value);
        Sse2.StoreAlignedNonTemporal(destination + 32, value);
        Sse2.StoreAlignedNonTemporal(destination + 48, value);
    }
}
