using System.IO;
using PmdkSharp.Log;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// One named log, as bound from configuration (<c>Pmem:Logs:NAME</c>); mirrors <see cref="PmemLogOptions"/>
/// plus what the host's health check does with it.
/// </summary>
public sealed class PmemLogSettings
{
    /// <summary>The log file's path. Required; its directory must exist.</summary>
    public string Path { get; set; } = "";

    /// <summary><see cref="PmemLogOptions.Mode"/>: <c>OpenOrCreate</c> (the default), <c>Open</c>, <c>CreateNew</c> or <c>Create</c>.</summary>
    public FileMode Mode { get; set; } = FileMode.OpenOrCreate;

    /// <summary><see cref="PmemLogOptions.Length"/>: the file's length when the log is created (at least 8 KiB); 1 MiB by default.</summary>
    public long Length { get; set; } = 1 << 20;

    /// <summary><see cref="PmemLogOptions.MaxLength"/>: the most the file may grow to; 1 GiB by default.</summary>
    public long MaxLength { get; set; } = 1L << 30;

    /// <summary><see cref="PmemLogOptions.MaxRecordLength"/>: the largest payload one record may have; 16 MiB by default.</summary>
    public int MaxRecordLength { get; set; } = 16 << 20;

    /// <summary><see cref="PmemLogOptions.ReadOnly"/> (needs <c>Mode = Open</c>).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// Check every committed record when the host starts (the default): a damaged log stops the start with a
    /// message naming its key and the damaged record's position. Off, the first health check reads them instead.
    /// </summary>
    public bool VerifyOnOpen { get; set; } = true;

    /// <summary><see cref="PmemLogOptions.Backend"/>.</summary>
    public PmemBackendKind Backend { get; set; }

    /// <summary><see cref="PmemLogOptions.Prefault"/>.</summary>
    public PrefaultMode Prefault { get; set; } = PrefaultMode.None;

    /// <summary>The health check reports Degraded when the log has room for fewer bytes of records than this; 0 (the default) never.</summary>
    public long DegradedBelowFreeBytes { get; set; }

    /// <summary>
    /// The options <see cref="PmemLog.Open"/> gets for these settings. The host verifies the records itself
    /// right after opening (so it keeps the outcome for the health check): the options never verify.
    /// </summary>
    public PmemLogOptions ToOptions() => new()
    {
        Mode = Mode,
        Length = Length,
        MaxLength = MaxLength,
        MaxRecordLength = MaxRecordLength,
        ReadOnly = ReadOnly,
        VerifyOnOpen = false,
        Backend = Backend,
        Prefault = Prefault,
    };
}
