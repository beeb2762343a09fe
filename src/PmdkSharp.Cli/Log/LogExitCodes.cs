namespace PmdkSharp.Cli.Log;

/// <summary>
/// The exit codes of <c>pmemsharp log</c>: one per outcome an operator's script needs to tell apart
/// (docs/log.md, "Operating a log", lists them).
/// </summary>
internal static class LogExitCodes
{
    /// <summary>Done: every record read was intact (or follow stopped on Ctrl+C).</summary>
    public const int Ok = 0;

    /// <summary>Anything else: permission denied, an I/O error.</summary>
    public const int Failed = 1;

    /// <summary>The command line does not parse, or <c>--from</c> is not a record's position.</summary>
    public const int Usage = PmemsharpCommandLine.UsageError;

    /// <summary>A committed record fails its checks (length, complement or checksum).</summary>
    public const int DamagedRecord = 3;

    /// <summary>The file is not a PmdkSharp log (another program's file, an empty or zeroed one).</summary>
    public const int NotALog = 4;

    /// <summary>The file starts with the log magic, but its header fails its checks or is of a newer format.</summary>
    public const int DamagedHeader = 5;

    /// <summary>No such file.</summary>
    public const int Missing = 6;

    /// <summary>The path is a directory.</summary>
    public const int Directory = 7;

    /// <summary><c>follow</c>: the log was truncated (or its head dropped) below the position the reader had reached.</summary>
    public const int TruncatedBelowReader = 8;
}
