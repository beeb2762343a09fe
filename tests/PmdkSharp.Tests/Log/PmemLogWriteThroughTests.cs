using System;
using System.IO;
using System.Linq;
using PmdkSharp.Interop;
using PmdkSharp.Log;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Tests.Log;

/// <summary>
/// Where a record's bytes go on the msync path: on a file system over a block device through the
/// file, one pwrite per record (a batch one per staging buffer, a record larger than the buffer one
/// per part), counted and failed through the POSIX fault seam; on tmpfs and where records persist
/// themselves through the mapping, with no pwrite at all.
/// </summary>
public class PmemLogWriteThroughTests
{
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void Records_go_through_the_file_only_on_a_disks_file_system(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        using var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 1 << 20, maxLength: 16 << 20));
        bool throughFile = log.Mapping.Granularity == StoreGranularity.Page && OnBlockDevice(directory);
        byte[] small = Patterns.Bytes(100, 1), large = Patterns.Bytes((20 << 10) + 3, 2); // larger than the 16 KiB staging buffer, not 8-byte aligned
        byte[][] batch = Enumerable.Range(0, 10).Select(i => Patterns.Bytes(50 + i, 10 + i)).ToArray();

        int calls;
        using (PosixFaults.Fault counting = PosixFaults.Inject(Syscall.Pwrite, errno: 0)) // errno 0: counts, fails none
        {
            log.Append(small); // the first append: this thread becomes the lone appender, through the lock
            log.Append(small); // the lone appender's path
            log.AppendBatch(batch.Select(b => (ReadOnlyMemory<byte>)b).ToArray());
            log.Append(large);
            calls = counting.Calls;
        }
        // 1 + 1 + 1 (the batch fits the buffer) + 3 (header, payload, padding).
        Assert.Equal(throughFile ? 6 : 0, calls);

        byte[][] expected = new[] { small, small }.Concat(batch).Append(large).ToArray();
        Assert.Equal(expected, Payloads(log));
        using (PmemLog reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend, maxLength: 16 << 20)))
            Assert.Equal(expected, Payloads(reopened));
    }

    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void A_failed_write_through_the_file_fails_the_append_and_the_log(PmemBackendKind backend, string directory)
    {
        TestEnvironment.Require(backend);
        using var path = new TempPath(directory, ".log");
        byte[] first = Patterns.Bytes(100, 1);
        using (var log = PmemLog.Open(path.Path, LogTestFiles.Options(backend, length: 1 << 20, maxLength: 16 << 20)))
        {
            Skip.IfNot(log.Mapping.Granularity == StoreGranularity.Page && OnBlockDevice(directory), "records go through the mapping here");
            log.Append(first);
            log.Append(first); // the lone appender's
            using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Pwrite, EIO))
            {
                var error = Assert.Throws<IOException>(() => log.Append(Patterns.Bytes(100, 2)));
                Assert.Equal(1, fault.Injected);
                Assert.Contains("pwrite", error.Message);
                Assert.Contains("(errno 5)", error.Message);
            }
            // Nothing past the hole is ever acknowledged: the log refuses appends until reopened.
            Assert.Throws<IOException>(() => log.Append(Patterns.Bytes(100, 3)));
        }
        using var reopened = PmemLog.Open(path.Path, LogTestFiles.Options(backend, maxLength: 16 << 20));
        Assert.Equal(new[] { first, first }, Payloads(reopened));
    }

    private static byte[][] Payloads(PmemLog log)
    {
        var payloads = new System.Collections.Generic.List<byte[]>();
        foreach (LogRecord record in log.ReadAll())
            payloads.Add(record.Payload.ToArray());
        return payloads.ToArray();
    }

    /// <summary>The test's own reading of the directory: a device number with a major other than 0 is a block device's.</summary>
    private static bool OnBlockDevice(string directory) =>
        Posix.Statx(directory, STATX_TYPE, out statx status) == 0 && status.stx_dev_major != 0;
}
