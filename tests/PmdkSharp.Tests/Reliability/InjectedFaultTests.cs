using System;
using System.IO;
using PmdkSharp.Durability;
using PmdkSharp.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Tests.Reliability;

/// <summary>
/// Faults the kernel seldom gives on demand, through the POSIX layer's seam (<see cref="PosixFaults"/>):
/// every EINTR retry, every errno's exception and message, the sticky msync error and each "nothing
/// changed on failure" promise, deterministically and on both backends. Each case also checks that
/// the fault was really taken (<see cref="PosixFaults.Fault.Injected"/>), so a code path that stops
/// making the call fails here instead of passing untested.
/// </summary>
public sealed unsafe class InjectedFaultTests
{
    private const int Page = 4096;
    private const int Interruptions = 3;

    public static TheoryData<PmemBackendKind, Preallocation> BackendsAndModes()
    {
        var data = new TheoryData<PmemBackendKind, Preallocation>();
        foreach (PmemBackendKind backend in new[] { PmemBackendKind.Pmdk, PmemBackendKind.Managed })
            foreach (Preallocation mode in Enum.GetValues<Preallocation>())
                data.Add(backend, mode);
        return data;
    }

    /// <summary>The call that extends a file in each preallocation mode.</summary>
    private static Syscall GrowsWith(Preallocation mode) => mode switch
    {
        Preallocation.Allocate => Syscall.PosixFallocate,
        Preallocation.Sparse => Syscall.Ftruncate,
        Preallocation.ZeroFill => Syscall.Pwrite,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    // ---- EINTR: retried in Posix, invisible to the caller ----

    [SkippableTheory]
    [MemberData(nameof(BackendsAndModes))]
    public void A_grow_interrupted_by_signals_is_retried_and_completes(PmemBackendKind backend, Preallocation mode)
    {
        Syscall call = GrowsWith(mode);
        using var test = new TestFile(backend);
        byte[] head = Patterns.Bytes(Page, seed: 301);
        using var file = test.Open(test.Options(Page, 64 * Page) with { Preallocation = mode });
        file.CopyPersist(0, head);

        using (PosixFaults.Fault fault = PosixFaults.Inject(call, EINTR, times: Interruptions))
        {
            file.Grow(16 * Page);
            Assert.Equal(Interruptions, fault.Injected);
        }

        Assert.Equal(16 * Page, file.Length);
        Assert.Equal(16 * Page, test.LengthOnDisk);
        Assert.Equal(head, file.GetReadOnlySpan(0, Page).ToArray());
        file.Write<long>(15 * Page, 42); // the grown range is backed: no SIGBUS
        Assert.Equal(42, file.Read<long>(15 * Page));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_hole_punch_and_its_fsync_interrupted_by_signals_are_retried(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(8 * Page);
        file.FillPersist(0, 8 * Page, 0xAB);

        using PosixFaults.Fault punch = PosixFaults.Inject(Syscall.Fallocate, EINTR, times: Interruptions);
        using PosixFaults.Fault sync = PosixFaults.Inject(Syscall.Fsync, EINTR, times: Interruptions);
        long punched = file.Discard(Page, 4 * Page);

        Assert.Equal(Interruptions, punch.Injected);
        Assert.Equal(punched == 0 ? 0 : Interruptions, sync.Injected); // no fsync where the file system has no holes
        Assert.True(file.GetReadOnlySpan(Page, 4 * Page).IndexOfAnyExcept((byte)0) < 0, "the discarded range reads zeros");
        Assert.Equal(0xAB, file.Read<byte>(5 * Page));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_msync_interrupted_by_signals_is_retried(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(4 * Page);
        // The msync strategy over this mapping, whatever the file's own strategy is (on emulated pmem it flushes cache lines).
        var strategy = new MsyncStrategy(test.Path, (byte*)file.BaseAddress);
        file.Write<long>(Page, 7);

        using PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Msync, EINTR, times: Interruptions);
        strategy.Persist((byte*)file.BaseAddress + Page, 8);
        if (file.PersistMethod == PersistMethod.Msync)
            file.Persist(Page, 8);

        Assert.Equal(Interruptions, fault.Injected);
        strategy.Drain(); // nothing sticky: an interrupted write-back that was retried is not a failure
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Advice_and_prefetch_interrupted_by_signals_are_retried(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(16 * Page);

        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Madvise, EINTR, times: Interruptions))
        {
            file.Advise(0, 16 * Page, MemoryAdvice.Random);
            Assert.Equal(Interruptions, fault.Injected);
        }
        // Prefetch makes two madvise calls (WILLNEED, then POPULATE_*): the second is interrupted.
        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Madvise, EINTR, nth: 2, times: Interruptions))
        {
            file.Prefetch(0, 16 * Page, FileAccess.ReadWrite);
            Assert.Equal(Interruptions, fault.Injected);
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_mlock_interrupted_by_signals_is_retried(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(4 * Page);

        using PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Mlock, EINTR, times: Interruptions);
        file.Lock(0, Page); // one page: within the default RLIMIT_MEMLOCK of an unprivileged process
        Assert.Equal(Interruptions, fault.Injected);
        file.Unlock(0, Page);
    }

    // ---- No space: PmemOutOfSpaceException with the errno, and nothing changed ----

    [SkippableTheory]
    [MemberData(nameof(BackendsAndModes))]
    public void No_space_while_growing_is_out_of_space_with_its_errno_and_changes_nothing(PmemBackendKind backend, Preallocation mode)
    {
        Syscall call = GrowsWith(mode);
        using var test = new TestFile(backend);
        byte[] head = Patterns.Bytes(2 * Page, seed: 302);
        using var file = test.Open(test.Options(2 * Page, 4 << 20) with { Preallocation = mode });
        file.CopyPersist(0, head);

        foreach (int errno in new[] { ENOSPC, EDQUOT, EFBIG })
        {
            // ZeroFill fails on its second write, after the first grew the file: the cut-back is what is tested.
            int nth = call == Syscall.Pwrite ? 2 : 1;
            PmemOutOfSpaceException error;
            using (PosixFaults.Fault fault = PosixFaults.Inject(call, errno, nth))
            {
                error = Assert.Throws<PmemOutOfSpaceException>(() => file.Grow(2 * Page + (2 << 20)));
                Assert.Equal(1, fault.Injected);
            }

            Assert.Equal(errno, error.HResult);
            Assert.Contains($"(errno {errno})", error.Message);
            Assert.Contains(test.Path, error.Message);
            Assert.Contains($"the file keeps its {2 * Page} bytes", error.Message);
            Assert.Equal(2 * Page, file.Length);
            Assert.Equal(2 * Page, test.LengthOnDisk);
            Assert.Equal(head, file.GetReadOnlySpan(0, head.Length).ToArray());
        }

        file.Grow(4 * Page); // the fault gone, the same mapping grows
        Assert.Equal(4 * Page, test.LengthOnDisk);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void No_space_while_creating_removes_the_file(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);

        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.PosixFallocate, EDQUOT))
        {
            var error = Assert.Throws<PmemOutOfSpaceException>(() => test.Create(16 * Page));
            Assert.Equal(1, fault.Injected);
            Assert.Equal(EDQUOT, error.HResult);
        }

        Assert.False(File.Exists(test.Path), "a file Open created must not survive its failure");
    }

    // ---- I/O errors ----

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void An_msync_error_is_reported_with_its_errno_and_is_sticky_until_reopened(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(4 * Page);
        var strategy = new MsyncStrategy(test.Path, (byte*)file.BaseAddress);
        byte* at = (byte*)file.BaseAddress + Page;

        IOException first;
        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Msync, EIO))
        {
            first = Assert.Throws<IOException>(() => strategy.Persist(at, 8));
            Assert.Equal(1, fault.Injected);
        }
        Assert.Equal(EIO, first.HResult);
        Assert.Contains("msync", first.Message);
        Assert.Contains(test.Path, first.Message);
        Assert.Contains($"bytes {Page}..{Page + 8}", first.Message); // from the page's start to the range's end
        Assert.Contains("(errno 5)", first.Message);

        // The kernel would answer the next msync with success (the failed pages are clean now): the strategy must not.
        var sticky = Assert.Throws<IOException>(() => strategy.Persist(at, 8));
        Assert.Contains("earlier msync", sticky.Message);
        Assert.Throws<IOException>(() => strategy.Drain());

        // Through the file itself where it persists with msync: sticky for this mapping, clean after a reopen.
        if (file.PersistMethod == PersistMethod.Msync)
        {
            using (PosixFaults.Inject(Syscall.Msync, EIO))
                Assert.Equal(EIO, Assert.Throws<IOException>(() => file.Persist(Page, 8)).HResult);
            Assert.Contains("earlier msync", Assert.Throws<IOException>(() => file.Persist(0, 8)).Message);
            file.Dispose();
            using var reopened = test.Reopen();
            reopened.Persist(Page, 8);
        }
        new MsyncStrategy(test.Path, (byte*)file.BaseAddress).Drain(); // a new mapping's strategy starts clean
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_write_error_while_zero_filling_a_grow_is_an_IOException_and_changes_nothing(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Open(test.Options(Page, 64 * Page) with { Preallocation = Preallocation.ZeroFill });

        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Pwrite, EIO))
        {
            var error = Assert.Throws<IOException>(() => file.Grow(8 * Page));
            Assert.Equal(1, fault.Injected);
            Assert.IsNotType<PmemOutOfSpaceException>(error);
            Assert.Equal(EIO, error.HResult);
            Assert.Contains("(errno 5)", error.Message);
            Assert.Contains($"the file keeps its {Page} bytes", error.Message);
        }
        Assert.Equal(Page, file.Length);
        Assert.Equal(Page, test.LengthOnDisk);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_refused_hole_or_its_fsync_keeps_the_errno_and_says_what_was_left(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(8 * Page);
        file.FillPersist(0, 8 * Page, 0xCD);

        using (PosixFaults.Inject(Syscall.Fallocate, EIO))
        {
            var error = Assert.Throws<IOException>(() => file.Discard(Page, 4 * Page));
            Assert.Equal(EIO, error.HResult);
            Assert.Contains("the range keeps its old content", error.Message);
        }
        Assert.Equal(0xCD, file.Read<byte>(2 * Page));

        using (PosixFaults.Fault sync = PosixFaults.Inject(Syscall.Fsync, EIO))
        {
            try
            {
                file.Discard(Page, 4 * Page);
                Assert.Equal(0, sync.Calls); // only where the file system cannot punch holes is there no fsync to fail
            }
            catch (IOException error)
            {
                Assert.Equal(EIO, error.HResult);
                Assert.Contains("may not survive a crash", error.Message);
            }
        }
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_refused_lock_is_a_lock_limit_exception_with_its_errno(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using var file = test.Create(4 * Page);

        foreach (int errno in new[] { ENOMEM, EAGAIN })
        {
            using PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Mlock, errno);
            var error = Assert.Throws<PmemLockLimitException>(() => file.Lock(0, Page));
            Assert.Equal(errno, error.HResult);
            Assert.Contains("RLIMIT_MEMLOCK", error.Message);
        }
    }

    // ---- The address space: its own exception, never "out of space" ----

    [SkippableTheory]
    [InlineData(PmemBackendKind.Pmdk, 1)]
    [InlineData(PmemBackendKind.Managed, 1)]
    [InlineData(PmemBackendKind.Pmdk, 2)]
    [InlineData(PmemBackendKind.Managed, 2)]
    public void No_memory_for_the_mapping_is_an_address_space_exception_and_leaves_no_file(PmemBackendKind backend, int nth)
    {
        // mmap 1 looks for a free aligned range, mmap 2 maps the file there.
        using var test = new TestFile(backend);
        using (PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Mmap, ENOMEM, nth))
        {
            var error = Assert.Throws<PmemAddressSpaceException>(() => test.Create(16 * Page));
            Assert.Equal(1, fault.Injected);
            Assert.Equal(ENOMEM, error.HResult);
            Assert.Contains("address range", error.Message);
            Assert.Contains("(errno 12)", error.Message);
        }
        Assert.False(File.Exists(test.Path));

        byte[] contents = Patterns.Bytes(4 * Page, seed: 303);
        test.WriteAllBytes(contents);
        using (PosixFaults.Inject(Syscall.Mmap, ENOMEM, nth))
            Assert.Throws<PmemAddressSpaceException>(() => test.Reopen());
        Assert.Equal(contents, test.ReadAllBytes()); // an existing file is left as it was
    }

    [Fact]
    public void The_seam_fails_only_the_calls_it_names_on_the_thread_that_armed_it()
    {
        using PosixFaults.Fault fault = PosixFaults.Inject(Syscall.Madvise, EIO, nth: 2, times: 2);
        int[] seen = new int[4];
        for (int i = 0; i < seen.Length; i++)
            seen[i] = Posix.Madvise((void*)Page, 0, MADV_NORMAL);
        int elsewhere = -1;
        var other = new System.Threading.Thread(() => elsewhere = PosixFaults.Take(Syscall.Madvise));
        other.Start();
        other.Join();

        Assert.Equal(new[] { 0, EIO, EIO, 0 }, seen);
        Assert.Equal((4, 2), (fault.Calls, fault.Injected));
        Assert.Equal(0, elsewhere);
        Assert.Equal(0, PosixFaults.Take(Syscall.Msync));
    }
}
