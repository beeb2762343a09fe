using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Dax;

/// <summary>
/// I/O errors under the msync path are never swallowed: with the file's blocks failing
/// (device-mapper error target in the DAX VM), Persist throws an IOException naming the file
/// and the range, and keeps throwing for that mapping even once the disk works again, because
/// after a failed writeback Linux marks the pages clean and reports the error only once: a
/// later msync that "succeeds" would claim data durable that never reached the disk.
/// Runs inside the VM of <c>./build.sh test-dax</c>.
/// </summary>
[Trait("Category", "Dax")]
[Collection(nameof(FailingDisk))] // one scratch disk: one test at a time
public class PersistIoErrorTests
{
    private const int Length = 1 << 20;
    private const long DirtyOffset = 256 << 10;
    private const int DirtyLength = 4096;

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Persist_on_a_failing_disk_throws_an_IOException_naming_the_file_and_range(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var disk = FailingDisk.Create("eio");
        using var path = new TempPath(disk.Directory);
        using var file = OpenPersisted(path.Path, backend);

        disk.FailBlocksOf(path.Path);
        file.GetSpan(DirtyOffset, DirtyLength).Fill(0x5A);
        IOException error = Assert.ThrowsAny<IOException>(() => file.Persist(DirtyOffset, DirtyLength));

        Assert.IsNotType<PmemOutOfSpaceException>(error);
        Assert.Contains(path.Path, error.Message, StringComparison.Ordinal);
        // The range is page-aligned here, so its start and end are exactly the persisted range's.
        Assert.Contains($"{DirtyOffset}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{DirtyOffset + DirtyLength}", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_persist_error_is_sticky_until_the_file_is_reopened(PmemBackendKind backend)
    {
        TestEnvironment.Require(backend);
        using var disk = FailingDisk.Create("sticky");
        using var path = new TempPath(disk.Directory);
        var file = OpenPersisted(path.Path, backend);
        try
        {
            disk.FailBlocksOf(path.Path);
            file.GetSpan(DirtyOffset, DirtyLength).Fill(0x5A);
            Assert.ThrowsAny<IOException>(() => file.Persist(DirtyOffset, DirtyLength));

            // The disk works again, but the failed pages are already marked clean: msync would now
            // return 0 for data that is not on the disk. The mapping must keep saying so.
            disk.Heal();
            Assert.ThrowsAny<IOException>(() => file.Persist(DirtyOffset, DirtyLength));
            Assert.ThrowsAny<IOException>(() => file.Persist(0, DirtyLength)); // any range of that mapping
            Assert.ThrowsAny<IOException>(() => file.Persist());
        }
        finally
        {
            file.Dispose();
        }

        // A fresh mapping of the healed disk persists again.
        using var reopened = PmemFile.Open(path.Path, new PmemFileOptions { Mode = FileMode.Open, Backend = backend });
        reopened.FillPersist(0, DirtyLength, 0x11);
        reopened.Persist();
    }

    /// <summary>Opens a fixed-size file, writes it and persists it whole, so the only dirty pages later are the test's.</summary>
    private static PmemFile OpenPersisted(string path, PmemBackendKind backend)
    {
        var file = PmemFile.Open(path, Patterns.Options(backend, Length, maxLength: null));
        Assert.False(file.IsPersistentMemory, "the scratch disk must take the msync path");
        file.CopyPersist(0, Patterns.Bytes(Length, seed: 11));
        return file;
    }
}

[CollectionDefinition(nameof(FailingDisk))]
public sealed class FailingDiskCollection;
