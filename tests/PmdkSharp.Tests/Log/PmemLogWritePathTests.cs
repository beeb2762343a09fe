using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Every way an append writes its bytes (a small record in place, a streamed payload of 256 B or
/// more, a staged batch, a batch record larger than the staging buffer, a batch spanning several
/// buffers) leaves the same file: header, payload, zero padding, and a tail that covers them.
/// </summary>
public class PmemLogWritePathTests
{
    private static readonly int[] Sizes = [1, 7, 8, 64, 255, 256, 257, 1000, 4096, 4097, 16 << 10, (16 << 10) + 100, 40 << 10];

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Records_of_every_size_and_path_read_back_byte_for_byte_with_zero_padding(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        var written = new List<(LogPosition Position, byte[] Payload)>();
        var random = new Random(12);
        byte[] Next(int size)
        {
            var payload = new byte[size];
            random.NextBytes(payload);
            return payload;
        }
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend)))
        {
            // Non-zero bytes first where the records will go, so padding that was not cleared shows.
            byte[] junk = Enumerable.Repeat((byte)0xA5, 64 << 10).ToArray();
            for (int i = 0; i < 5; i++)
                log.Append(junk);
            log.Truncate(log.Start);
            foreach (int size in Sizes)
            {
                byte[] payload = Next(size);
                written.Add((log.Append(payload), payload));
            }
            // Batches: all small (one staged copy), small around large ones, and more than one buffer of small ones.
            foreach (int[] sizes in new[] { new[] { 5, 64, 255, 256, 300 }, new[] { 100, 40 << 10, 3, 20 << 10, 9 }, Enumerable.Repeat(1500, 30).ToArray() })
            {
                byte[][] batch = sizes.Select(Next).ToArray();
                var positions = new LogPosition[batch.Length];
                log.AppendBatch(batch.Select(b => (ReadOnlyMemory<byte>)b).ToArray(), positions);
                written.AddRange(positions.Zip(batch));
            }
            Assert.Equal(log.End.Offset, LogTestFiles.RecoveredEnd(path.Path, backend));
        }

        byte[] file = File.ReadAllBytes(path.Path);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, mode: FileMode.Open)))
        {
            int i = 0;
            foreach (LogRecord record in log.ReadAll())
            {
                Assert.Equal(written[i].Position, record.Position);
                Assert.True(written[i].Payload.AsSpan().SequenceEqual(record.Payload), $"record {i} ({written[i].Payload.Length} bytes) differs");
                long paddingStart = record.Position.Offset + LogTestFiles.RecordHeaderSize + record.Payload.Length;
                Assert.True(file.AsSpan((int)paddingStart, (int)(record.Next.Offset - paddingStart)).IndexOfAnyExcept((byte)0) < 0, $"record {i}: padding not zero");
                Assert.Equal(written[i].Payload.Length, BitConverter.ToInt32(file, (int)record.Position.Offset) & int.MaxValue); // bit 31: the batch goes on
                i++;
            }
            Assert.Equal(written.Count, i);
        }
    }
}
