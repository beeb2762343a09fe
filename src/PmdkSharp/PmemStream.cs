using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace PmdkSharp;

/// <summary>
/// A seekable <see cref="Stream"/> over a <see cref="PmemFile"/>, from <see cref="PmemFile.AsStream"/>.
/// Writes go straight into the mapping; <see cref="Flush"/> persists the bytes written since the
/// last flush, and so does disposing the stream (as a memory-mapped view stream flushes), which
/// leaves the file open. The asynchronous members complete synchronously: the bytes are in memory.
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

    /// <summary>Reads one byte, or returns -1 at the end of the file.</summary>
    public override int ReadByte()
    {
        ThrowIfClosed();
        if (position >= file.Length)
            return -1;
        byte value = file.Read<byte>(position);
        position++;
        return value;
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    /// <summary>Reads synchronously (the bytes are in memory) and returns a completed task.</summary>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

#pragma warning disable RS0027 // the overload set (and its optional token) is Stream's, not ours to change
    /// <summary>Reads synchronously (the bytes are in memory); no thread-pool hop.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            return new ValueTask<int>(Read(buffer.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }
#pragma warning restore RS0027

    /// <summary>Writes synchronously (into the mapping) and returns a completed task.</summary>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

#pragma warning disable RS0027 // the overload set (and its optional token) is Stream's, not ours to change
    /// <summary>Writes synchronously (into the mapping); no thread-pool hop.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        try
        {
            Write(buffer.Span);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }
#pragma warning restore RS0027

    /// <summary>Persists synchronously what was written since the last flush (see <see cref="Flush"/>).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled(cancellationToken);
        try
        {
            Flush();
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Writes at the current position; past the end it grows the file when the stream was made with growOnWrite.</summary>
    /// <exception cref="NotSupportedException">The write reaches past the end and the stream does not grow, or the file is read-only.</exception>
    /// <exception cref="IOException">The write would end past <see cref="long.MaxValue"/>.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfClosed();
        if (file.IsReadOnly)
            throw new NotSupportedException($"The mapping of '{file.Path}' is read-only.");
        if (buffer.Length > long.MaxValue - position)
            throw new IOException(
                $"Writing {buffer.Length} bytes at position {position} of '{file.Path}' would end past {long.MaxValue}, the largest stream position; nothing was written.");
        long end = position + buffer.Length;
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
        if (dirtyEnd > dirtyStart)
            PersistDirty();
    }

    private void PersistDirty()
    {
        file.Persist(dirtyStart, dirtyEnd - dirtyStart);
        dirtyStart = long.MaxValue;
        dirtyEnd = 0;
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ThrowIfClosed();
        long from = origin switch
        {
            SeekOrigin.Begin => 0,
            SeekOrigin.Current => position,
            SeekOrigin.End => file.Length,
            _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, "Unknown seek origin."),
        };
        // from is never negative, so only a positive offset can overflow.
        if (offset > long.MaxValue - from)
            throw new IOException(
                $"Cannot seek {offset} bytes from {origin} ({from}) in '{file.Path}': the position would be past {long.MaxValue}, the largest stream position. The position stays {position}.");
        long target = from + offset;
        if (target < 0)
            throw new IOException($"Cannot seek to {target} ({offset} bytes from {origin} at {from}), before the start of '{file.Path}'. The position stays {position}.");
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

    /// <summary>Persists what was written since the last flush, then closes the stream; the file stays open.</summary>
    /// <remarks>When the file was disposed first nothing can be persisted any more, and the stream just closes.</remarks>
    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing && !closed && dirtyEnd > dirtyStart)
                PersistDirty();
        }
        catch (ObjectDisposedException)
        {
            // The file went first: its own Dispose does not persist, and the stream cannot either.
        }
        finally
        {
            closed = true;
            base.Dispose(disposing);
        }
    }

    private void GrowFor(long end)
    {
        if (!growOnWrite)
            throw new NotSupportedException(
                $"Writing {end - position} bytes at {position} reaches past the end of '{file.Path}' ({file.Length} bytes); create the stream with growOnWrite to extend it.");
        // Double, as a List does, so appends cost amortized O(1) grows; never past the reservation.
        long target = Math.Min(Math.Max(end, file.Length * 2), file.MaxLength);
        file.EnsureLength(Math.Max(target, end)); // another stream over the file may have grown it further meanwhile
    }

    private void ThrowIfClosed()
    {
        if (closed)
            throw new ObjectDisposedException(nameof(PmemStream));
    }
}
