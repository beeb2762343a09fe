using System;
using System.Globalization;

namespace PmdkSharp.Cli.Bench;

/// <summary>Byte counts as people type them: 4096, 64K, 16M, 1G, 2GiB, 8 MB (powers of 1024).</summary>
internal static class ByteSize
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why in one line.</summary>
    public static bool TryParse(string text, out long bytes, out string error)
    {
        bytes = 0;
        string s = text.Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        if (s.EndsWith("IB", StringComparison.Ordinal))
            s = s[..^2];
        else if (s.EndsWith('B'))
            s = s[..^1];
        long unit = 1;
        if (s.Length > 0 && s[^1] is 'K' or 'M' or 'G' or 'T')
        {
            unit = s[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            s = s[..^1];
        }
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            error = $"'{text}' is not a size (examples: 4096, 64K, 16M, 1G)";
            return false;
        }
        if (count == 0)
        {
            error = $"'{text}' is zero bytes";
            return false;
        }
        if (count > long.MaxValue / unit)
        {
            error = $"'{text}' is too large";
            return false;
        }
        bytes = count * unit;
        error = "";
        return true;
    }

    /// <summary>Parses a size that is known to be well formed (labels this tool wrote itself).</summary>
    public static long Parse(string text) =>
        TryParse(text, out long bytes, out string error) ? bytes : throw new FormatException(error);
}
