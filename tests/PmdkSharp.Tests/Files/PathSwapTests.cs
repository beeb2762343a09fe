using System;
using System.IO;
using System.Threading;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// The path is opened once: the mapping is made from that descriptor, so a file renamed over the
/// path during Open (log rotation, an atomic replace by another process) can never leave the
/// mapping on one file and the descriptor that grows, preallocates and punches holes on another.
/// </summary>
public sealed class PathSwapTests
{
    private const int Opens = 300;
    private const int FileLength = 64 * 1024;

    /// <summary>
    /// Another thread renames fresh files over the path as fast as it can while this one opens it,
    /// fixed-size (the case pmem_map_file once reopened by path) and growable. Each open writes a
    /// marker through its descriptor and reads it back through its mapping: both name one file, or
    /// the marker is missing. A bytes-through-the-page-cache check, so any file system will do.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(BackendsAndDirectories))]
    public void TheMappingAndTheDescriptorNameTheSameFileWhileThePathIsReplaced(PmemBackendKind backend, string directory)
    {
        using var test = new TestFile(backend, directory);
        File.WriteAllBytes(test.Path, new byte[FileLength]);
        string staging = test.Sibling(".next");
        using var stop = new CancellationTokenSource();
        long swaps = 0;
        var swapper = new Thread(() =>
        {
            byte[] zeros = new byte[FileLength];
            while (!stop.IsCancellationRequested)
            {
                File.WriteAllBytes(staging, zeros);
                File.Move(staging, test.Path, overwrite: true);
                Interlocked.Increment(ref swaps);
            }
        }) { IsBackground = true };
        swapper.Start();
        try
        {
            for (int i = 0; i < Opens; i++)
            {
                long? maxLength = i % 2 == 0 ? null : 2L * FileLength;
                using PmemFile file = test.Open(new PmemFileOptions { Mode = FileMode.Open, MaxLength = maxLength });
                byte[] marker = BitConverter.GetBytes(0x5A5A_0000_0000_0000L + i);
                RandomAccess.Write(file.Mapping.Handle.File.SafeFileHandle, marker, 0);
                Assert.True(marker.AsSpan().SequenceEqual(file.GetSpan(0, marker.Length)),
                    $"open {i} ({(maxLength is null ? "fixed-size" : "growable")}): the marker written through the descriptor is not in the mapping, " +
                    "so the mapping was made from another file than the one the library opened");
            }
        }
        finally
        {
            stop.Cancel();
            swapper.Join();
        }
        Assert.True(Interlocked.Read(ref swaps) > Opens / 10, $"only {swaps} renames happened during {Opens} opens: the race was not run");
    }

    /// <summary>
    /// The same, deterministic: the POSIX seam renames another file over the path just before the
    /// first mmap of Open (after the file was opened and checked). What is mapped must be the file
    /// that was opened, never the one now at the path.
    /// </summary>
    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_file_renamed_over_the_path_just_before_mapping_is_not_what_gets_mapped(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        byte[] opened = Patterns.Bytes(FileLength, seed: 304);
        test.WriteAllBytes(opened);
        string replacement = test.Sibling(".replacement");
        File.WriteAllBytes(replacement, Patterns.Bytes(FileLength, seed: 305));

        foreach (long? maxLength in new long?[] { null, 2L * FileLength })
        {
            using PosixFaults.Fault swap = PosixFaults.Inject(Syscall.Mmap, errno: 0,
                before: () => File.Move(replacement, test.Path, overwrite: true));
            using PmemFile file = test.Open(new PmemFileOptions { Mode = FileMode.Open, MaxLength = maxLength });

            Assert.True(swap.Calls >= 1, "Open made no mmap call through the seam");
            Assert.False(File.Exists(replacement), "the seam renamed the replacement over the path during Open");
            Assert.True(opened.AsSpan().SequenceEqual(file.GetReadOnlySpan(0, FileLength)),
                $"{(maxLength is null ? "fixed-size" : "growable")}: the mapping shows the file renamed over the path, not the one opened");
            file.Dispose();
            // Put the opened contents back at the path and a replacement beside it for the next round.
            test.WriteAllBytes(opened);
            File.WriteAllBytes(replacement, Patterns.Bytes(FileLength, seed: 305));
        }
    }
}
