using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PmdkSharp.Tests.Durability;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>PmemStream behaves as .NET streams do: Dispose persists, async members complete synchronously, byte members work, overflow is a clear IOException.</summary>
public sealed class StreamConventionTests
{
    private static (PmemFile File, RecordingStrategy Recorder) OpenRecorded(TempPath path, PmemBackendKind backend, long length = 8192, long? maxLength = null)
    {
        RecordingStrategy? recorder = null;
        var file = PmemFile.Open(path.Path, Patterns.Options(backend, length, maxLength) with
        {
            StrategyDecorator = inner => recorder = new RecordingStrategy(inner),
        });
        recorder!.Attach(file);
        return (file, recorder);
    }

    /// <summary>Disposing the stream persists exactly the range written since the last flush, once.</summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void DisposePersistsWhatWasWritten(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory);
        (PmemFile file, RecordingStrategy recorder) = OpenRecorded(path, backend);
        using (file)
        {
            PmemStream stream = file.AsStream();
            stream.Position = 100;
            stream.Write(new byte[50]);
            stream.Position = 300;
            stream.Write(new byte[10]);
            Assert.Empty(recorder.Calls);

            stream.Dispose();
            Assert.Equal(new[] { ("persist", 100L, 210L) }, recorder.Calls.ToArray());

            stream.Dispose(); // a second Dispose persists nothing more
            Assert.Single(recorder.Calls);

            using (PmemStream flushed = file.AsStream())
            {
                flushed.Write(new byte[8]);
                flushed.Flush();
            }
            // Flush persisted [0, 8); Dispose found nothing new to persist.
            Assert.Equal(new[] { ("persist", 100L, 210L), ("persist", 0L, 8L) }, recorder.Calls.ToArray());

            using (PmemStream readOnly = file.AsStream())
                _ = readOnly.Read(new byte[64]);
            Assert.Equal(2, recorder.Calls.Count);
        }
    }

    /// <summary>A stream disposed after its file cannot persist any more; it closes without throwing.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void DisposeAfterTheFileIsDisposedCloses(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        var file = PmemFile.Open(path.Path, Patterns.Options(backend, 8192));
        PmemStream stream = file.AsStream();
        stream.Write(new byte[16]);
        file.Dispose();

        stream.Dispose();

        Assert.False(stream.CanWrite);
        Assert.Throws<ObjectDisposedException>(() => stream.Position);
    }

    /// <summary>The async members finish before they return, on the calling thread, and do what the sync members do.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void AsyncMembersCompleteSynchronously(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        (PmemFile file, RecordingStrategy recorder) = OpenRecorded(path, backend);
        using (file)
        using (PmemStream stream = file.AsStream())
        {
            byte[] data = Patterns.Bytes(64, seed: 77);
            ValueTask write = stream.WriteAsync(data.AsMemory());
            Assert.True(write.IsCompletedSuccessfully);
            Task writeArray = stream.WriteAsync(data, 0, 32);
            Assert.True(writeArray.IsCompletedSuccessfully);
            Assert.Equal(96, stream.Position);

            Task flush = stream.FlushAsync();
            Assert.True(flush.IsCompletedSuccessfully);
            Assert.Equal(new[] { ("persist", 0L, 96L) }, recorder.Calls.ToArray());

            stream.Position = 0;
            byte[] back = new byte[64];
            ValueTask<int> read = stream.ReadAsync(back.AsMemory());
            Assert.True(read.IsCompletedSuccessfully);
            Assert.Equal(64, read.Result);
            Assert.Equal(data, back);
            Task<int> readArray = stream.ReadAsync(back, 0, 32);
            Assert.True(readArray.IsCompletedSuccessfully);
            Assert.Equal(32, readArray.Result);
            Assert.Equal(data.Take(32), back.Take(32));

            // Cancellation and failure come back in the task, as Stream's contract says, not as a throw.
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.True(stream.WriteAsync(data.AsMemory(), cancelled.Token).IsCanceled);
            Assert.True(stream.ReadAsync(back.AsMemory(), cancelled.Token).IsCanceled);
            Assert.True(stream.FlushAsync(cancelled.Token).IsCanceled);
            stream.Position = file.Length - 1;
            ValueTask pastEnd = stream.WriteAsync(data.AsMemory());
            Assert.True(pastEnd.IsFaulted);
            Assert.IsType<NotSupportedException>(pastEnd.AsTask().Exception!.InnerException);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void ReadByteAndWriteByteWorkAtTheExactEnd(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096));
        using PmemStream stream = file.AsStream();

        stream.Position = 4095;
        stream.WriteByte(0xAB); // the last byte of the file
        Assert.Equal(4096, stream.Position);
        Assert.Equal(0xAB, file.Read<byte>(4095));
        Assert.Equal(-1, stream.ReadByte()); // at the end: -1, position unchanged
        Assert.Equal(4096, stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.WriteByte(1)); // one past the end, no growOnWrite
        Assert.Equal(4096, stream.Position);

        stream.Position = 4095;
        Assert.Equal(0xAB, stream.ReadByte());
        Assert.Equal(4096, stream.Position);
    }

    /// <summary>WriteByte past the end of a growOnWrite stream grows the file by one step.</summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void WriteByteGrowsAGrowOnWriteStream(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, maxLength: 1 << 20));
        using PmemStream stream = file.AsStream(growOnWrite: true);

        stream.Position = 4096;
        stream.WriteByte(7);

        Assert.Equal(8192, file.Length);
        Assert.Equal(7, file.Read<byte>(4096));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void SeekAndWritePastLongMaxValueThrowIOExceptionNamingTheValues(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(TestEnvironment.Directories[0]);
        using var file = PmemFile.Open(path.Path, Patterns.Options(backend, 4096, maxLength: 1 << 20));
        using PmemStream stream = file.AsStream(growOnWrite: true);
        stream.Position = 10;

        IOException seekEnd = Assert.Throws<IOException>(() => stream.Seek(long.MaxValue, SeekOrigin.End));
        Assert.Contains($"{long.MaxValue} bytes from End (4096)", seekEnd.Message);
        Assert.Contains("The position stays 10", seekEnd.Message);
        Assert.Equal(10, stream.Position);
        // The largest seek that fits is accepted: exactly long.MaxValue.
        Assert.Equal(long.MaxValue, stream.Seek(long.MaxValue - 4096, SeekOrigin.End));
        stream.Position = 10;
        Assert.Throws<IOException>(() => stream.Seek(long.MaxValue - 9, SeekOrigin.Current));
        Assert.Equal(long.MaxValue, stream.Seek(long.MaxValue - 10, SeekOrigin.Current));
        IOException before = Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
        Assert.Contains("before the start", before.Message);

        stream.Position = long.MaxValue - 1;
        IOException write = Assert.Throws<IOException>(() => stream.Write(new byte[2]));
        Assert.Contains($"Writing 2 bytes at position {long.MaxValue - 1}", write.Message);
        Assert.Contains("nothing was written", write.Message);
        // One byte ends exactly at long.MaxValue: no overflow, just past MaxLength.
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Write(new byte[1]));
        Assert.Equal(4096, file.Length);
        Assert.Equal(long.MaxValue - 1, stream.Position);
    }
}
