using System;
using System.IO;

namespace PmdkSharp;

/// <summary>
/// A seekable <see cref="Stream"/> over a <see cref="PmemFile"/>, from <see cref="PmemFile.AsStream"/>.
/// Writes go straight into the mapping; <see cref="Flush"/> persists the bytes written since the
/// last flush. Disposing the stream leaves the file open.
/// </summary>
public sealed class PmemStream : Stream
{
    private readonly PmemFile file;
    private readonly bool growOnWrite;
    private long position;
    private long dirtyStart = long.MaxValue;
    private long dirtyEnd;
    private bool closed;

    internal PmemStream(PmemFile file, bool growOnWrite)
    {
        this.file = file;
        this.growOnWrite = growOnWrite;
    }

    /// <inheritdoc/>
    public override bool CanRead => !closed;

    /// <inheritdoc/>
    public override bool CanSeek => !closed;

    /// <inheritdoc/>
    public override bool CanWrite => !closed && !file.IsReadOnly;

    /// <inheritdoc/>
    public override long Length
    {
        get
        {
            ThrowIfClosed();
            return file.Length;
        }
    }

    /// <inheritdoc/>
    public override long Position
    {
        get
        {
            ThrowIfClosed();
            return position;
        }
        set
        {
            ThrowIfClosed();
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            position = value;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ThrowIfClosed();
        long available = file.Length - position;
        if (available <= 0)
            return 0;
        int count = (int)Math.Min(buffer.Length, available);
        file.Read(position, buffer[..count]);
        position += count;
        return count;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Writes at the current position; past the end it grows the file when the stream was made with growOnWrite.</summary>
    /// <exception cref="NotSupportedException">The write reaches past the end and the stream does not grow, or the file is read-only.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfClosed();
        if (file.IsReadOnly)
            throw new NotSupportedException($"The mapping of '{file.Path}' is read-only.");
        long end = checked(position + buffer.Length);
        if (end > file.Length)
            GrowFor(end);
        file.Write(position, buffer);
        dirtyStart = Math.Min(dirtyStart, position);
        dirtyEnd = Math.Max(dirtyEnd, end);
        position = end;
    }

    /// <summary>Persists everything written through this stream since the last flush.</summary>
    public override void Flush()
    {
        ThrowIfClosed();
        if (dirtyEnd <= dirtyStart)
            return;
        file.Persist(dirtyStart, dirtyEnd - dirtyStart);
        dirtyStart = long.MaxValue;
        dirtyEnd = 0;
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ThrowIfClosed();
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => checked(position + offset),
            SeekOrigin.End => checked(file.Length + offset),
            _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, "Unknown seek origin."),
        };
        if (target < 0)
            throw new IOException($"Cannot seek to {target}, before the start of '{file.Path}'.");
        position = target;
        return position;
    }

    /// <summary>Grows the file to <paramref name="value"/>; a mapping never shrinks, so a smaller value throws.</summary>
    public override void SetLength(long value)
    {
        ThrowIfClosed();
        if (value < file.Length)
            throw new NotSupportedException($"A mapped file cannot shrink ('{file.Path}' has {file.Length} bytes).");
        file.Grow(value);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        closed = true;
        base.Dispose(disposing);
    }

    private void GrowFor(long end)
    {
        if (!growOnWrite)
            throw new NotSupportedException(
                $"Writing {end - position} bytes at {position} reaches past the end of '{file.Path}' ({file.Length} bytes); create the stream with growOnWrite to extend it.");
        // Double, as a List does, so appends cost amortized O(1) grows; never past the reservation.
        long target = Math.Min(Math.Max(end, file.Length * 2), file.MaxLength);
        file.Grow(Math.Max(target, end));
    }

    private void ThrowIfClosed()
    {
        if (closed)
            throw new ObjectDisposedException(nameof(PmemStream));
    }
}
