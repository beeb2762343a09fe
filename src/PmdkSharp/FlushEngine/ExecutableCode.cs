using System;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.FlushEngine;

/// <summary>
/// Machine code in a private anonymous mapping that is never writable and executable at once:
/// mapped <c>PROT_READ|PROT_WRITE</c>, filled, then switched to <c>PROT_READ|PROT_EXEC</c> with
/// mprotect. Kernels and sandboxes that forbid executable memory (SELinux execmem, PaX
/// MPROTECT, a seccomp filter) refuse that switch with EACCES or EPERM; the failure comes back as
/// text, never as an exception, so the caller can fall back and say why.
/// </summary>
internal sealed unsafe class ExecutableCode : IDisposable
{
    private ExecutableCode(byte* address, nuint length)
    {
        Address = address;
        Length = length;
    }

    public byte* Address { get; private set; }

    public nuint Length { get; }

    /// <summary>Places <paramref name="code"/> in a new r-x page, or returns null and the reason.</summary>
    public static ExecutableCode? TryCreate(ReadOnlySpan<byte> code, CodePageFaults faults, out string? failure)
    {
        nuint pageSize = (nuint)Environment.SystemPageSize;
        nuint length = ((nuint)code.Length + pageSize - 1) / pageSize * pageSize;
        int errno = faults.MmapErrno;
        void* page = errno != 0 ? null : Posix.TryMmapAnonymous(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, out errno);
        if (page == null)
        {
            failure = $"mmap of a {length}-byte anonymous PROT_READ|PROT_WRITE page failed: {Errno.Describe(errno)}";
            return null;
        }
        code.CopyTo(new Span<byte>(page, code.Length));
        int refused = faults.MprotectErrno;
        if (refused == 0)
            refused = Posix.Mprotect(page, length, PROT_READ | PROT_EXEC);
        if (refused != 0)
        {
            Posix.Munmap(page, length);
            failure = $"executable memory refused: mprotect(PROT_READ|PROT_EXEC) failed: {Errno.Describe(refused)}"
                + (refused == EACCES || refused == EPERM ? " (a W^X policy such as SELinux execmem or PaX MPROTECT, or a seccomp filter)" : "");
            return null;
        }
        failure = null;
        return new ExecutableCode((byte*)page, length);
    }

    /// <summary>Unmaps the code; nothing may call into it afterwards (the process-wide flusher never does this).</summary>
    public void Dispose()
    {
        if (Address is null)
            return;
        Posix.Munmap(Address, Length);
        Address = null;
    }
}

/// <summary>
/// Errors to act as if the kernel returned them while placing code, so tests reach the refusal
/// paths that a W^X policy or seccomp would take on another machine. Zero means "really call".
/// </summary>
internal readonly record struct CodePageFaults(int MmapErrno = 0, int MprotectErrno = 0);
