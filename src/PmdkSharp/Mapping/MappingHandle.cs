using System.IO;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;
using static PmdkSharp.Interop.Libpmem;

namespace PmdkSharp.Mapping;

/// <summary>
/// Owns one mapping's address range (the whole range up to MaxLength, or the range pmem_map_file returned)
/// and the file descriptor behind it. Releasing it unmaps everything at once and only then closes
/// the file, so no operation can ever act on a descriptor number the process has reused. Its
/// reference count defers that until the last pinned <see cref="System.Memory{T}"/> lets go.
/// </summary>
internal sealed unsafe class MappingHandle : SafeHandle
{
    private readonly nuint length;
    private readonly bool mappedByLibpmem;
    private readonly FileStream file;

    private MappingHandle(byte* address, nuint length, bool mappedByLibpmem, FileStream file)
        : base(0, ownsHandle: true)
    {
        this.length = length;
        this.mappedByLibpmem = mappedByLibpmem;
        this.file = file;
        SetHandle((nint)address);
    }

    /// <summary>A mapping made by <see cref="AddressSpace.TryMapFile"/>, released with munmap.</summary>
    public static MappingHandle ForMmap(byte* address, nuint length, FileStream file) => new(address, length, false, file);

    /// <summary>A whole-file mapping made by pmem_map_file, released with pmem_unmap.</summary>
    public static MappingHandle ForLibpmem(byte* address, nuint length, FileStream file) => new(address, length, true, file);

    public byte* Address => (byte*)handle;

    /// <summary>True when pmem_map_file made the mapping (and pmem_unmap releases it).</summary>
    public bool MappedByLibpmem => mappedByLibpmem;

    /// <summary>The open file; its descriptor stays valid until this handle is released.</summary>
    public FileStream File => file;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        bool unmapped = mappedByLibpmem
            ? pmem_unmap((void*)handle, length) == 0
            : Posix.Munmap((void*)handle, length) == 0;
        file.Dispose();
        return unmapped;
    }
}
