using System;
using System.Collections.Generic;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// x86-64 machine code for the three routines a flusher calls, System V ABI (rdi = address,
/// rsi = length, nothing returned, only caller-saved registers touched):
/// <code>
/// flush:    test rsi, rsi / jz done / lea rsi, [rdi + rsi] / and rdi, -64
///     line: FLUSH [rdi] / add rdi, 64 / cmp rdi, rsi / jb line
///     done: ret
/// persist:  the same loop, then sfence before ret
/// drain:    sfence / ret
/// </code>
/// FLUSH is CLWB, CLFLUSHOPT or CLFLUSH. A zero length flushes nothing; otherwise the loop visits
/// exactly the lines <see cref="CacheLines.Covering"/> lists. libpmem fences after CLFLUSH too
/// (it is ordered already; the fence is cheap and keeps one drain for all three).
/// aarch64 would need the same shape with <c>DC CVAP</c> (ARMv8.2 persistent point; else
/// <c>DC CVAC</c>) per line, the line size read from CTR_EL0, and <c>DSB ISH</c> as the drain.
/// </summary>
internal static class FlushCodeEmitter
{
    /// <summary>The value the recording variant writes where the real code fences.</summary>
    public const ulong FenceMarker = ulong.MaxValue;

    private const int EntryAlignment = 16;
    private static readonly byte[] Sfence = [0x0F, 0xAE, 0xF8];
    private static readonly byte[] Ret = [0xC3];

    public static ReadOnlySpan<byte> FlushBody(FlushInstruction instruction) => instruction switch
    {
        FlushInstruction.Clwb => [0x66, 0x0F, 0xAE, 0x37],       // clwb [rdi]        66 0F AE /6
        FlushInstruction.ClflushOpt => [0x66, 0x0F, 0xAE, 0x3F], // clflushopt [rdi]  66 0F AE /7
        FlushInstruction.Clflush => [0x0F, 0xAE, 0x3F],          // clflush [rdi]     0F AE /7
        _ => throw new ArgumentOutOfRangeException(nameof(instruction), instruction, "no instruction to emit"),
    };

    /// <summary>The routines for <paramref name="instruction"/>.</summary>
    public static FlushCode Emit(FlushInstruction instruction) =>
        Build(prologue: [], FlushBody(instruction), fence: Sfence, epilogue: []);

    /// <summary>
    /// A test variant with the same loop, which writes each line address it would flush, and
    /// <see cref="FenceMarker"/> where it would fence, to a log: <paramref name="cursorCell"/>
    /// holds the address of the next free 8-byte slot and is advanced by every call. The caller
    /// sizes the log.
    /// </summary>
    public static unsafe FlushCode EmitRecorder(ulong** cursorCell)
    {
        var prologue = new List<byte> { 0x48, 0xB9 };                  // mov rcx, imm64 (cursorCell)
        prologue.AddRange(BitConverter.GetBytes((ulong)cursorCell));
        prologue.AddRange([0x48, 0x8B, 0x01]);                         // mov rax, [rcx]
        byte[] record = [0x48, 0x89, 0x38, 0x48, 0x83, 0xC0, 0x08];    // mov [rax], rdi / add rax, 8
        byte[] fence = [0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,      // mov qword [rax], -1
                        0x48, 0x83, 0xC0, 0x08];                       // add rax, 8
        byte[] epilogue = [0x48, 0x89, 0x01];                          // mov [rcx], rax
        return Build([.. prologue], record, fence, epilogue);
    }

    private static FlushCode Build(ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> lineBody, ReadOnlySpan<byte> fence, ReadOnlySpan<byte> epilogue)
    {
        var code = new List<byte>();
        int flush = code.Count;
        EmitLoop(code, prologue, lineBody, [], epilogue);
        Pad(code);
        int persist = code.Count;
        EmitLoop(code, prologue, lineBody, fence, epilogue);
        Pad(code);
        int drain = code.Count;
        code.AddRange(prologue);
        code.AddRange(fence);
        code.AddRange(epilogue);
        code.AddRange(Ret);
        return new FlushCode([.. code], flush, persist, drain);
    }

    private static void EmitLoop(List<byte> code, ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> lineBody, ReadOnlySpan<byte> fence, ReadOnlySpan<byte> epilogue)
    {
        code.AddRange(prologue);
        code.AddRange([0x48, 0x85, 0xF6]);             // test rsi, rsi
        code.AddRange([0x74, 0x00]);                   // jz done (patched below)
        int afterJz = code.Count;
        code.AddRange([0x48, 0x8D, 0x34, 0x37]);       // lea rsi, [rdi + rsi]: the end
        code.AddRange([0x48, 0x83, 0xE7, 0xC0]);       // and rdi, -64: the first line
        int line = code.Count;
        code.AddRange(lineBody);
        code.AddRange([0x48, 0x83, 0xC7, CacheLines.Size]); // add rdi, 64
        code.AddRange([0x48, 0x39, 0xF7]);             // cmp rdi, rsi
        code.AddRange([0x72, Rel8(line - (code.Count + 2))]); // jb line
        code[afterJz - 1] = Rel8(code.Count - afterJz);
        code.AddRange(fence);
        code.AddRange(epilogue);
        code.AddRange(Ret);
    }

    private static byte Rel8(int displacement) =>
        displacement is >= sbyte.MinValue and <= sbyte.MaxValue
            ? unchecked((byte)(sbyte)displacement)
            : throw new InvalidOperationException($"jump of {displacement} bytes does not fit rel8");

    // int3 between routines: a stray jump traps instead of running into the next one.
    private static void Pad(List<byte> code)
    {
        while (code.Count % EntryAlignment != 0)
            code.Add(0xCC);
    }
}

/// <summary>Machine code and the offsets of its three entry points.</summary>
internal sealed record FlushCode(byte[] Bytes, int FlushOffset, int PersistOffset, int DrainOffset);
