using System.IO;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// One named pmem file, as bound from configuration (<c>Pmem:Files:NAME</c>); mirrors <see cref="PmemFileOptions"/>
/// plus what the host does with it.
/// </summary>
public sealed class PmemFileSettings
{
    /// <summary>The file's path. Required; its directory must exist.</summary>
    public string Path { get; set; } = "";

    /// <summary><see cref="PmemFileOptions.Mode"/>: <c>OpenOrCreate</c> (the default), <c>Open</c>, <c>CreateNew</c> or <c>Create</c>.</summary>
    public FileMode Mode { get; set; } = FileMode.OpenOrCreate;

    /// <summary><see cref="PmemFileOptions.Length"/>: the length of a file that is created; must be positive when it is.</summary>
    public long Length { get; set; }

    /// <summary>
    /// <see cref="PmemFileOptions.MaxLength"/>: the growth limit, reserved as address space at every open (a file does
    /// not remember it). Null: fixed-size at the file's length.
    /// </summary>
    public long? MaxLength { get; set; }

    /// <summary><see cref="PmemFileOptions.ReadOnly"/> (needs <c>Mode = Open</c>).</summary>
    public bool ReadOnly { get; set; }

    /// <summary><see cref="PmemFileOptions.Preallocation"/>.</summary>
    public Preallocation Preallocation { get; set; } = Preallocation.Allocate;

    /// <summary><see cref="PmemFileOptions.Prefault"/>.</summary>
    public PrefaultMode Prefault { get; set; } = PrefaultMode.None;

    /// <summary><see cref="PmemFileOptions.HugePages"/>.</summary>
    public bool HugePages { get; set; }

    /// <summary><see cref="PmemFileOptions.Backend"/>.</summary>
    public PmemBackendKind Backend { get; set; }

    /// <summary>Persist the whole file when the host stops gracefully, before it is disposed (true by default; ignored when read-only).</summary>
    public bool PersistOnShutdown { get; set; } = true;

    /// <summary>The options <see cref="PmemFile.Open"/> gets for these settings.</summary>
    public PmemFileOptions ToOptions() => new()
    {
        Mode = Mode,
        Length = Length,
        MaxLength = MaxLength,
        ReadOnly = ReadOnly,
        Preallocation = Preallocation,
        Prefault = Prefault,
        HugePages = HugePages,
        Backend = Backend,
    };
}
