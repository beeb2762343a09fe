using System;
using System.Runtime.CompilerServices;

namespace PmdkSharp;

public sealed unsafe partial class PmemFile
{
    /// <summary>A writable window of the mapping. It stays valid across grows, not after dispose.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    public Span<byte> GetSpan(long offset, int length)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, length);
        return new Span<byte>(mapping.Base + offset, length);
    }

    /// <summary>A read-only window of the mapping. It stays valid across grows, not after dispose.</summary>
    public ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>(mapping.Base + offset, length);
    }

    /// <summary>A window as <see cref="Memory{T}"/>; pinning it keeps the mapping alive even through dispose.</summary>
    public Memory<byte> GetMemory(long offset, int length)
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, length);
        return new PmemMemoryManager(this, offset, length).Memory;
    }

    /// <summary>A read-only window as <see cref="ReadOnlyMemory{T}"/>.</summary>
    public ReadOnlyMemory<byte> GetReadOnlyMemory(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        return new PmemMemoryManager(this, offset, length).Memory;
    }

    /// <summary>Copies bytes into the mapping (not yet durable: follow with <see cref="Persist(long, long)"/>).</summary>
    public void Write(long offset, ReadOnlySpan<byte> source) => source.CopyTo(GetSpan(offset, source.Length));

    /// <summary>Copies bytes out of the mapping.</summary>
    public void Read(long offset, Span<byte> destination) => GetReadOnlySpan(offset, destination.Length).CopyTo(destination);

    /// <summary>
    /// A reference to a <typeparamref name="T"/> stored at <paramref name="offset"/>, which must be
    /// aligned to the type's natural alignment (so that atomic and torn-free access work).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value would reach past <see cref="Length"/>.</exception>
    /// <exception cref="ArgumentException">The offset is misaligned for <typeparamref name="T"/>.</exception>
    public ref T AsRef<T>(long offset) where T : unmanaged
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, sizeof(T));
        int alignment = NaturalAlignment<T>();
        if (((nuint)(mapping.Base + offset) & (nuint)(alignment - 1)) != 0)
            throw new ArgumentException(
                $"Offset {offset} is not aligned to {alignment} bytes, the alignment of {typeof(T).Name}.", nameof(offset));
        return ref Unsafe.AsRef<T>(mapping.Base + offset);
    }

    /// <summary>Reads a <typeparamref name="T"/> at any offset (no alignment needed).</summary>
    public T Read<T>(long offset) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckRange(offset, sizeof(T));
        return Unsafe.ReadUnaligned<T>(mapping.Base + offset);
    }

    /// <summary>Writes a <typeparamref name="T"/> at any offset (not yet durable).</summary>
    public void Write<T>(long offset, in T value) where T : unmanaged
    {
        ThrowIfWritableDisposed();
        CheckRange(offset, sizeof(T));
        Unsafe.WriteUnaligned(mapping.Base + offset, value);
    }

    /// <summary>
    /// A seekable stream over the mapping starting at offset 0. With <paramref name="growOnWrite"/>,
    /// writing past the end grows the mapping (up to <see cref="MaxLength"/>); otherwise it throws.
    /// Flushing the stream persists what was written through it.
    /// </summary>
    public PmemStream AsStream(bool growOnWrite = false)
    {
        ThrowIfDisposed();
        return new PmemStream(this, growOnWrite);
    }

    /// <summary>The largest power of two dividing the size, capped at 8: the alignment the runtime gives such a field.</summary>
    private static int NaturalAlignment<T>() where T : unmanaged
    {
        int size = sizeof(T);
        return Math.Min(size & -size, 8);
    }

    internal Span<byte> UncheckedSpan(long offset, int length)
    {
        ThrowIfDisposed();
        return new Span<byte>(mapping.Base + offset, length);
    }

    internal void* PinForManager()
    {
        ThrowIfDisposed();
        bool added = false;
        mapping.Handle.DangerousAddRef(ref added);
        return mapping.Base;
    }

    internal void UnpinForManager() => mapping.Handle.DangerousRelease();
}
