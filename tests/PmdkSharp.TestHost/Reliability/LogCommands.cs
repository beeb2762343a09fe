using System;
using System.Buffers.Binary;
using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.TestHost.Reliability;

/// <summary>The PmemLog side of the crash tests: a child that appends and acknowledges, and the payload both sides agree on.</summary>
public static class LogCommands
{
    /// <summary>
    /// append-pmemlog PATH BACKEND SEED: opens (or creates) a PmemLog, prints "recovered END RECORDS",
    /// then appends forever, single records and batches of 2..16 chosen by SEED, printing "ack SEQ"
    /// for each record only after Append/AppendBatch returned. Record SEQ (1, 2, 3, ...) is
    /// <see cref="Payload"/>(SEQ). The test kills it with SIGKILL.
    /// </summary>
    public static int AppendPmemLog(string[] args)
    {
        if (args.Length != 3)
            throw new ArgumentException("append-pmemlog <path> <backend> <seed>");
        var random = new Random(int.Parse(args[2]));
        using var log = PmemLog.Open(args[0], new PmemLogOptions
        {
            Backend = Enum.Parse<PmemBackendKind>(args[1], ignoreCase: true),
            Length = 64 << 10,
            MaxLength = 1L << 30,
        });
        long sequence = 0;
        foreach (LogRecord record in log.ReadAll())
            sequence = BinaryPrimitives.ReadInt64LittleEndian(record.Payload);
        TextWriter output = Console.Out; // autoflushed: each ack is one write(2) to the pipe
        output.WriteLine($"recovered {log.End} {sequence}");
        var batch = new ReadOnlyMemory<byte>[16];
        while (true)
        {
            int count = random.Next(4) == 0 ? random.Next(2, 17) : 1;
            if (count == 1)
            {
                log.Append(Payload(sequence + 1));
            }
            else
            {
                for (int i = 0; i < count; i++)
                    batch[i] = Payload(sequence + 1 + i);
                log.AppendBatch(batch.AsSpan(0, count));
            }
            for (int i = 0; i < count; i++)
                output.WriteLine($"ack {++sequence}");
        }
    }

    /// <summary>Record <paramref name="sequence"/>: the sequence number, then 0..4000 bytes that follow from it.</summary>
    public static byte[] Payload(long sequence)
    {
        byte[] payload = new byte[sizeof(long) + ChecksummedLog.PayloadLength(sequence)];
        BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        ChecksummedLog.FillPayload(sequence, payload.AsSpan(sizeof(long)));
        return payload;
    }
}
