namespace PmdkSharp;

/// <summary>The smallest unit a store becomes durable in, and so what a persist has to cover.</summary>
public enum StoreGranularity
{
    /// <summary>Stores are durable once globally visible (eADR / auto-flush platforms): no flush needed.</summary>
    Byte,
    /// <summary>Persistent memory: flushing the touched cache lines and a drain make stores durable.</summary>
    CacheLine,
    /// <summary>Page cache backed file: durability needs msync of the touched pages.</summary>
    Page,
}
