using System;
using System.IO;
using System.Runtime.InteropServices;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Tests.Infrastructure;

/// <summary>
/// Counts the opens of one file name in a directory, by any code in any process, as the kernel
/// reports them (inotify's IN_OPEN on the directory): a proof that needs no seam in the code it checks.
/// </summary>
public sealed unsafe partial class OpenCounter : IDisposable
{
    // <sys/inotify.h>: IN_OPEN is 0x20; IN_NONBLOCK is O_NONBLOCK (04000 on x86-64 and arm64). The generator binds neither.
    private const uint InOpen = 0x20;
    private const int InNonblock = 0x800;
    private const int EventHeader = 16; // struct inotify_event: wd, mask, cookie, len; then len bytes of name

    private readonly int fd;
    private readonly string name;

    public OpenCounter(string path)
    {
        name = Path.GetFileName(path);
        fd = inotify_init1(InNonblock | O_CLOEXEC);
        if (fd < 0)
            throw new IOException($"inotify_init1 failed: errno {Marshal.GetLastPInvokeError()}");
        if (inotify_add_watch(fd, Path.GetDirectoryName(path)!, InOpen) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Dispose();
            throw new IOException($"inotify_add_watch of {Path.GetDirectoryName(path)} failed: errno {errno}");
        }
    }

    /// <summary>The opens of the file since this counter was made (or last asked).</summary>
    public int Opens()
    {
        int opens = 0;
        byte[] buffer = new byte[64 << 10];
        fixed (byte* start = buffer)
        {
            while (true)
            {
                nint read = inotify_read(fd, start, (nuint)buffer.Length);
                if (read <= 0)
                    return opens; // EAGAIN: every event queued so far has been read
                for (int at = 0; at < read;)
                {
                    uint mask = BitConverter.ToUInt32(buffer, at + 4);
                    int length = BitConverter.ToInt32(buffer, at + 12);
                    string eventName = System.Text.Encoding.UTF8.GetString(buffer, at + EventHeader, length).TrimEnd('\0');
                    if ((mask & InOpen) != 0 && eventName == name)
                        opens++;
                    at += EventHeader + length;
                }
            }
        }
    }

    public void Dispose() => inotify_close(fd);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int inotify_init1(int flags);

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int inotify_add_watch(int fd, string path, uint mask);

    [LibraryImport("libc.so.6", EntryPoint = "read", SetLastError = true)]
    private static partial nint inotify_read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int inotify_close(int fd);
}
