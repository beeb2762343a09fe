using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;

namespace PmdkSharp.Mapping;

/// <summary>
/// Owns one mapping's address range (the whole range up to MaxLength)
/// and the file descriptor behind it. Releasing it unmaps everything at once and only then closes
/// the file, so no operation can ever act on a descriptor number the process has reused. Its
/// reference count defers that until the last pinned <see cref="System.Memory{T}"/> lets go.
/// </summary>
internal sealed unsafe class MappingHandle : SafeHandle
{
    private readonly nuint length;
    private readonly FileStream file;

    private MappingHandle(byte* address, nuint length, FileStream file)
        : base(0, ownsHandle: true)
    {
        this.length = length;
        this.file = file;
        SetHandle((nint)address);
    }

    /// <summary>A mapping made by <see cref="AddressSpace.TryMapFile"/>, released with munmap.</summary>
    public static MappingHandle ForMmap(byte* address, nuint length, FileStream file) => new(address, length, file);

    public byte* Address => (byte*)handle;

    /// <summary>The open file; its descriptor stays valid until this handle is released.</summary>
    public FileStream File => file;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        bool unmapped = Posix.Munmap((void*)handle, length) == 0;
        file.Dispose();
        return unmapped;
    }
}
