using System;
using System.Runtime.CompilerServices;
using System.Threading;
using PmdkSharp.Lifetime;

namespace PmdkSharp;

public sealed unsafe partial class PmemFile
{
    /// <summary>A writable window of the mapping. It stays valid across grows, not after dispose.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is negative or reaches past <see cref="Length"/>.</exception>
    /// <exception cref="NotSupportedException">The mapping is read-only.</exception>
    public Span<byte> GetSpan(long offset, int length)
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
        CheckRange(offset, length);
        return new Span<byte>(baseAddress + offset, length);
    }

    /// <summary>A read-only window of the mapping. It stays valid across grows, not after dispose.</summary>
    public ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        ThrowIfDisposed();
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>(baseAddress + offset, length);
    }

    /// <summary>
    /// A window as <see cref="Memory{T}"/>. Pinning it keeps the mapping alive even through
    /// dispose; its <see cref="Memory{T}.Span"/> throws <see cref="ObjectDisposedException"/> after dispose.
    /// </summary>
    public Memory<byte> GetMemory(long offset, int length)
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
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
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Write(offset, source);
    }

    /// <summary>Copies bytes out of the mapping.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Read(offset, destination);
    }

    /// <summary>
    /// A reference to a <typeparamref name="T"/> stored at <paramref name="offset"/>, which must be
    /// aligned to the type's natural alignment (so that atomic and torn-free access work). Like a
    /// span, the reference is a window: do not use it after dispose.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value would reach past <see cref="Length"/>.</exception>
    /// <exception cref="ArgumentException">The offset is misaligned for <typeparamref name="T"/>.</exception>
    public ref T AsRef<T>(long offset) where T : unmanaged
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
        CheckRange(offset, sizeof(T));
        return ref AlignedRef<T>(baseAddress, offset);
    }

    /// <summary>Reads a <typeparamref name="T"/> at any offset (no alignment needed).</summary>
    public T Read<T>(long offset) where T : unmanaged
    {
        using PmemAccessScope scope = BeginAccess();
        return scope.Read<T>(offset);
    }

    /// <summary>Writes a <typeparamref name="T"/> at any offset (not yet durable).</summary>
    public void Write<T>(long offset, in T value) where T : unmanaged
    {
        using PmemAccessScope scope = BeginAccess();
        scope.Write(offset, value);
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

    /// <summary>The reference at <paramref name="offset"/>, after checking the natural alignment of <typeparamref name="T"/>.</summary>
    internal static ref T AlignedRef<T>(byte* baseAddress, long offset) where T : unmanaged
    {
        // The largest power of two dividing the size, capped at 8: the alignment the runtime gives such a field.
        int alignment = Math.Min(sizeof(T) & -sizeof(T), 8);
        if (((nuint)(baseAddress + offset) & (nuint)(alignment - 1)) != 0)
            throw new ArgumentException(
                $"Offset {offset} is not aligned to {alignment} bytes, the alignment of {typeof(T).Name}.", nameof(offset));
        return ref Unsafe.AsRef<T>(baseAddress + offset);
    }

    internal Span<byte> UncheckedSpan(long offset, int length)
    {
        ThrowIfDisposed();
        return new Span<byte>(baseAddress + offset, length);
    }

    /// <summary>Adds a reference on the mapping for a Memory pin: it stays mapped until <see cref="UnpinForManager"/>.</summary>
    internal void* PinForManager()
    {
        using LeaseGate.Lease lease = Enter();
        bool added = false;
        mapping.Handle.DangerousAddRef(ref added);
        Interlocked.Increment(ref pins);
        return baseAddress;
    }

    /// <summary>
    /// Releases one pin's reference. An unpin with no pin left (a copy of a <see cref="System.Buffers.MemoryHandle"/>
    /// disposed twice) does nothing: releasing once more would drop the file's own reference and
    /// unmap the memory under the open file.
    /// </summary>
    internal void UnpinForManager()
    {
        int current;
        do
        {
            current = Volatile.Read(ref pins);
            if (current == 0)
                return;
        }
        while (Interlocked.CompareExchange(ref pins, current - 1, current) != current);
        mapping.Handle.DangerousRelease();
    }
}
