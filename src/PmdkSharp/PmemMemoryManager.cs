using System;
using System.Buffers;

namespace PmdkSharp;

/// <summary>
/// Exposes one window of a <see cref="PmemFile"/> as <see cref="Memory{T}"/>. A pin holds a
/// reference on the mapping, so the memory stays mapped until it is unpinned, even if the
/// file is disposed in between; <see cref="GetSpan"/> (what <see cref="Memory{T}.Span"/> calls)
/// throws ObjectDisposedException once the file is disposed.
/// </summary>
internal sealed unsafe class PmemMemoryManager : MemoryManager<byte>
{
    private readonly PmemFile file;
    private readonly long offset;
    private readonly int length;

    public PmemMemoryManager(PmemFile file, long offset, int length)
    {
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    public override Span<byte> GetSpan() => file.UncheckedSpan(offset, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)length)
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex, $"The window has {length} bytes.");
        byte* start = (byte*)file.PinForManager() + offset + elementIndex;
        return new MemoryHandle(start, default, this);
    }

    public override void Unpin() => file.UnpinForManager();

    // The window owns nothing: the mapping belongs to the PmemFile.
    protected override void Dispose(bool disposing) { }
}
