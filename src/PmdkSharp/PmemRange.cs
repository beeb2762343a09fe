namespace PmdkSharp;

/// <summary>A byte range of a mapping, for calls that take several at once (<see cref="PmemFile.Prefetch(System.ReadOnlySpan{PmemRange}, System.IO.FileAccess)"/>).</summary>
public readonly struct PmemRange
{
    /// <summary>Creates the range [offset, offset + length).</summary>
    public PmemRange(long offset, long length)
    {
        Offset = offset;
        Length = length;
    }

    /// <summary>Where the range starts.</summary>
    public long Offset { get; }

    /// <summary>How many bytes it covers.</summary>
    public long Length { get; }

    /// <summary>Describes the range as <c>[offset, offset + length)</c>.</summary>
    public override string ToString() => $"[{Offset}, {Offset + Length})";
}
