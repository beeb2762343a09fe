using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Log;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// PmemLog over the VM's whole device-DAX namespace, both backends, with the options a user writes
/// first: formatted when blank, refused when it holds something else, reopened and recovered with
/// every record, its head dropped. Runs in <c>./build.sh test-dax</c> (skips elsewhere).
/// </summary>
[Trait("Category", "Dax")]
[Collection(nameof(DeviceDaxCollection))]
public class DeviceDaxLogTests
{
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_log_over_the_whole_device_with_default_options(PmemBackendKind backend)
    {
        DeviceDaxInfo device = DeviceDaxFileTests.Device(backend);
        Blank(device, backend, Patterns.Bytes(64, 1)); // another program's bytes: not a log
        Assert.Throws<PmemLogFormatException>(() => PmemLog.Open(device.Path, new PmemLogOptions { Backend = backend }));
        Blank(device, backend, new byte[64]);

        var positions = new List<LogPosition>();
        using (var log = PmemLog.Open(device.Path, new PmemLogOptions { Backend = backend }))
        {
            Assert.True(log.WasCreated);
            Assert.Equal(device.Size - 4096, log.Capacity);
            Assert.Equal(device.Size, log.Length);
            Assert.True(log.IsPersistentMemory);
            for (int i = 0; i < 200; i++)
                positions.Add(log.Append(Patterns.Bytes(1 + i * 37 % 5000, i)));
            log.AppendBatch(new ReadOnlyMemory<byte>[] { Patterns.Bytes(10, 500), Patterns.Bytes(20, 501) });
        }
        using (var log = PmemLog.Open(device.Path, new PmemLogOptions { Backend = backend }))
        {
            Assert.False(log.WasCreated);
            Assert.True(log.Verify().IsValid);
            int n = 0;
            foreach (LogRecord record in log.ReadAll())
            {
                if (n < 200)
                    Assert.Equal(Patterns.Bytes(1 + n * 37 % 5000, n), record.Payload.ToArray());
                n++;
            }
            Assert.Equal(202, n);
            log.TruncateBefore(positions[100]);
        }
        using (var log = PmemLog.Open(device.Path, new PmemLogOptions { Backend = backend, Mode = FileMode.Open, ReadOnly = true }))
        {
            Assert.Equal(positions[100], log.Start);
            Assert.Equal(102, log.Verify().Records);
        }
    }

    /// <summary>Writes <paramref name="first"/> over the device's first bytes and zeros the rest of its first page.</summary>
    private static void Blank(DeviceDaxInfo device, PmemBackendKind backend, byte[] first)
    {
        using var file = PmemFile.Open(device.Path, new PmemFileOptions { Backend = backend });
        file.FillPersist(0, 4096, 0);
        file.CopyPersist(0, first);
    }
}

[CollectionDefinition(nameof(DeviceDaxCollection))]
public sealed class DeviceDaxCollection;
