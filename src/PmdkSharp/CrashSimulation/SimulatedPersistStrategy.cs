using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;
using PmdkSharp.Durability;

namespace PmdkSharp.CrashSimulation;

/// <summary>
/// The crash simulator's strategy over a copy-on-write mapping: a persisted range is written to
/// the file with pwrite, byte for byte, and nothing else ever reaches it. Flushed ranges are
/// written at the next drain. Slow on purpose; chosen only when a simulator is given.
/// </summary>
internal sealed unsafe class SimulatedPersistStrategy : DurabilityStrategy
{
    private readonly CrashSimulator simulator;
    private readonly SafeFileHandle file;
    private readonly byte* baseAddress;
    private readonly string path;
    private readonly List<(nuint Address, nuint Length)> flushed = new();

    public SimulatedPersistStrategy(CrashSimulator simulator, SafeFileHandle file, byte* baseAddress, string path)
    {
        this.simulator = simulator;
        this.file = file;
        this.baseAddress = baseAddress;
        this.path = path;
    }

    public override PersistMethod Method => PersistMethod.Simulated;

    public override StoreGranularity Granularity => StoreGranularity.CacheLine;

    public override void Persist(byte* address, nuint length)
    {
        simulator.OnPersistCall("persist");
        WriteThrough(address, length);
    }

    public override void Flush(byte* address, nuint length)
    {
        simulator.OnPersistCall("flush");
        lock (flushed)
            flushed.Add(((nuint)address, length));
    }

    public override void Drain()
    {
        simulator.OnPersistCall("drain");
        lock (flushed)
        {
            foreach ((nuint address, nuint length) in flushed)
                WriteThrough((byte*)address, length);
            flushed.Clear();
        }
    }

    public override void CopyPersist(byte* destination, byte* source, nuint length)
    {
        void Copy() => Buffer.MemoryCopy(source, destination, length, length);
        simulator.OnPersistCall("copy", Copy);
        Copy();
        WriteThrough(destination, length);
    }

    public override void FillPersist(byte* destination, byte value, nuint length)
    {
        void Fill() => MsyncStrategy.Fill(destination, value, length);
        simulator.OnPersistCall("fill", Fill);
        Fill();
        WriteThrough(destination, length);
    }

    /// <summary>Writes the mapping's bytes of the range to the same offsets of the file.</summary>
    private void WriteThrough(byte* address, nuint length)
    {
        long offset = (long)((nuint)address - (nuint)baseAddress);
        lock (simulator.Gate)
        {
            while (length > 0)
            {
                int chunk = (int)Math.Min(length, 1u << 30);
                RandomAccess.Write(file, new ReadOnlySpan<byte>(address, chunk), offset);
                address += chunk;
                offset += chunk;
                length -= (nuint)chunk;
            }
        }
    }

    /// <summary>The adversarial part of a crash: each word that differs from the file is written back with the given chance.</summary>
    public long WriteBackSome(long mappedLength, Random random, double probability)
    {
        const int Chunk = 1 << 16;
        var onFile = new byte[Chunk];
        long written = 0;
        for (long start = 0; start < mappedLength; start += Chunk)
        {
            int count = (int)Math.Min(Chunk, mappedLength - start);
            int read = RandomAccess.Read(file, onFile.AsSpan(0, count), start);
            var mapped = new ReadOnlySpan<byte>(baseAddress + start, count);
            for (int word = 0; word < count; word += 8)
            {
                int size = Math.Min(8, count - word);
                ReadOnlySpan<byte> mine = mapped.Slice(word, size);
                bool differs = word + size > read || !mine.SequenceEqual(onFile.AsSpan(word, size));
                if (differs && random.NextDouble() < probability)
                {
                    RandomAccess.Write(file, mine, start + word);
                    written++;
                }
            }
        }
        return written;
    }

    public override string ToString() => $"crash simulation of '{path}'";
}
