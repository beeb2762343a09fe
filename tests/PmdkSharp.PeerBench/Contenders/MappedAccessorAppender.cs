using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;

namespace PmdkSharp.PeerBench.Contenders;

/// <summary>
/// System.IO.MemoryMappedFiles: a view accessor over a file sized for the run, each record written at a
/// reserved offset and made durable with <see cref="MemoryMappedViewAccessor.Flush"/> (msync of the whole view).
/// </summary>
internal sealed class MappedAccessorAppender : IAppender
{
    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor accessor;
    private readonly long capacity;
    private long next;

    public MappedAccessorAppender(string directory, long capacity)
    {
        this.capacity = capacity;
        file = MemoryMappedFile.CreateFromFile(Path.Combine(directory, "mmf.log"), FileMode.CreateNew, null, capacity);
        accessor = file.CreateViewAccessor(0, capacity);
    }

    public unsafe void Append(ReadOnlySpan<byte> record)
    {
        long offset = Interlocked.Add(ref next, record.Length) - record.Length;
        if (offset + record.Length > capacity)
            throw new InvalidOperationException($"mmf: {capacity} bytes are full");
        byte* pointer = null;
        accessor.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            record.CopyTo(new Span<byte>(pointer + accessor.PointerOffset + offset, record.Length));
        }
        finally
        {
            accessor.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        accessor.Flush();
    }

    public void Dispose()
    {
        accessor.Dispose();
        file.Dispose();
    }
}
