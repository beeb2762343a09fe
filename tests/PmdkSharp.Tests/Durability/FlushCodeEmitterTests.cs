using System;
using System.Collections.Generic;
using System.Linq;
using PmdkSharp.FlushEngine;
using Xunit;
using Xunit.Abstractions;

namespace PmdkSharp.Tests.Durability;

public class FlushCodeEmitterTests(ITestOutputHelper output)
{
    // Assembled by hand from the Intel SDM encodings, independently of the emitter:
    // test rsi,rsi | jz +21 | lea rsi,[rdi+rsi] | and rdi,-64 | FLUSH [rdi] | add rdi,64 | cmp rdi,rsi | jb -13 | (sfence) | ret
    private const string LoopHead = "4885F67415488D34374883E7C0";
    private const string LoopTail = "4883C7404839F772F3";

    [Theory]
    [InlineData("Clwb", "660FAE37")]
    [InlineData("ClflushOpt", "660FAE3F")]
    public void Emitted_routines_are_the_expected_machine_code(string instruction, string flush)
    {
        FlushCode code = FlushCodeEmitter.Emit(Enum.Parse<FlushInstruction>(instruction));
        string hex = Convert.ToHexString(code.Bytes);
        output.WriteLine(hex);
        Assert.Equal(LoopHead + flush + LoopTail + "C3", Routine(code, code.FlushOffset, code.PersistOffset));
        Assert.Equal(LoopHead + flush + LoopTail + "0FAEF8C3", Routine(code, code.PersistOffset, code.DrainOffset));
        Assert.Equal("0FAEF8C3", Convert.ToHexString(code.Bytes[code.DrainOffset..]));
    }

    [Fact]
    public void Clflush_loop_has_its_shorter_encoding_and_correct_jumps()
    {
        FlushCode code = FlushCodeEmitter.Emit(FlushInstruction.Clflush);
        // One byte shorter body: jz +20, jb -12.
        Assert.Equal("4885F67414488D34374883E7C0" + "0FAE3F" + "4883C7404839F772F4" + "0FAEF8C3",
            Routine(code, code.PersistOffset, code.DrainOffset));
    }

    [Fact]
    public void Nothing_to_emit_for_no_instruction() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FlushCodeEmitter.Emit(FlushInstruction.None));

    /// <summary>
    /// The recording variant shares the loop with the real routines (the golden test above pins
    /// the real ones), so this checks the loop bounds for real: every line of the range, once,
    /// in order, and nothing else. A flush that skipped lines or did nothing fails here.
    /// </summary>
    [Fact]
    public unsafe void Flush_loop_visits_exactly_the_lines_of_the_range()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var recorder = new RecordingFlusher();
        byte* baseAddress = (byte*)0x7f00_0000_0000; // never dereferenced: the recorder only writes addresses down
        var cases = new List<(nuint Offset, nuint Length)>();
        for (nuint offset = 0; offset < 130; offset++)
            foreach (nuint length in new nuint[] { 0, 1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257 })
                cases.Add((offset, length));
        for (int i = 0; i < 200; i++)
            cases.Add(((nuint)random.Next(0, 4096), (nuint)random.Next(0, 16 * 1024)));
        foreach ((nuint offset, nuint length) in cases)
        {
            byte* address = baseAddress + offset;
            List<nuint> expected = CacheLines.Covering((nuint)address, length).ToList();

            recorder.Flusher.Flush(address, length);
            Assert.Equal(expected.Select(a => (ulong)a), recorder.Take());

            recorder.Flusher.Persist(address, length);
            Assert.Equal(expected.Select(a => (ulong)a).Append(FlushCodeEmitter.FenceMarker), recorder.Take());
        }
        recorder.Flusher.Drain();
        Assert.Equal(new[] { FlushCodeEmitter.FenceMarker }, recorder.Take());
    }

    // One routine's bytes without the int3 (0xCC) padding that aligns the next entry.
    private static string Routine(FlushCode code, int from, int to)
    {
        byte[] bytes = code.Bytes[from..to];
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] == 0xCC)
            end--;
        return Convert.ToHexString(bytes, 0, end);
    }
}
