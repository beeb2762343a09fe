using System;
using System.Runtime.InteropServices;
using PmdkSharp.Backends;
using static PmdkSharp.Interop.Libc;

namespace PmdkSharp.Mapping;

/// <summary>
/// Owns one mapping's address range: the whole reservation (engine mappings) or the range
/// pmem_map_file returned. Releasing it unmaps everything at once; SafeHandle's reference
/// count defers that until the last pinned <see cref="System.Memory{T}"/> lets go.
/// </summary>
internal sealed unsafe class MappingHandle : SafeHandle
{
    private readonly nuint length;
    private readonly IPmemBackend? wholeFileOwner;

    private MappingHandle(byte* address, nuint length, IPmemBackend? wholeFileOwner)
        : base(0, ownsHandle: true)
    {
        this.length = length;
        this.wholeFileOwner = wholeFileOwner;
        SetHandle((nint)address);
    }

    /// <summary>A reservation made by <see cref="AddressSpace.Reserve"/>, released with munmap.</summary>
    public static MappingHandle ForReservation(byte* address, nuint length) => new(address, length, null);

    /// <summary>A whole-file mapping a backend made, released by that backend (pmem_unmap).</summary>
    public static MappingHandle ForWholeFile(byte* address, nuint length, IPmemBackend owner) => new(address, length, owner);

    public byte* Address => (byte*)handle;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() =>
        wholeFileOwner is null
            ? munmap((void*)handle, length) == 0
            : wholeFileOwner.UnmapWholeFile((byte*)handle, length);
}
