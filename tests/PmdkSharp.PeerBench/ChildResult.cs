using System.Collections.Generic;

namespace PmdkSharp.PeerBench;

/// <summary>What a medium's child process hands back (as JSON) to the parent.</summary>
internal sealed class ChildResult
{
    public string Medium { get; set; } = "";
    public string FileSystem { get; set; } = "";
    /// <summary>Whether a PmemFile in the directory is persistent memory to the library (true under PMEM_IS_PMEM_FORCE=1).</summary>
    public bool IsPersistentMemory { get; set; }
    public string Backend { get; set; } = "";
    public string LoadBefore { get; set; } = "";
    public string LoadAfter { get; set; } = "";
    public List<Measurement> Measurements { get; set; } = [];
}

/// <summary>JSON between parent and child: a run that measured nothing carries NaN.</summary>
internal static class JsonOptions
{
    public static readonly System.Text.Json.JsonSerializerOptions Default =
        new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
