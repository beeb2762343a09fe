using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp;

/// <summary>One broken rule: the option it names and what is wrong, phrased to follow the option's name.</summary>
/// <param name="Option">The option's name (<c>MaxLength</c>), which a host prefixes with its configuration key.</param>
/// <param name="Problem">What is wrong, read after the name (<c>(4096) is less than Length (65536).</c>).</param>
/// <param name="OutOfRange">A value out of its range (ArgumentOutOfRangeException) rather than a combination that does not go together (ArgumentException).</param>
internal readonly record struct OptionProblem(string Option, string Problem, bool OutOfRange)
{
    /// <summary>The exception <see cref="PmemFile.Open"/> and the log's Open throw for it.</summary>
    public Exception ToException(object? value) => OutOfRange
        ? new ArgumentOutOfRangeException("options", value, $"{Option} {Problem}")
        : new ArgumentException($"{Option} {Problem}", "options");
}

/// <summary>
/// The rules a mapping's settings must keep, written once for every caller that takes them:
/// <see cref="PmemFile.Open"/> (which throws the first problem), the log's Open, and the hosting
/// package's start-up validation (which reports every problem under its configuration key).
/// </summary>
internal static class OptionRules
{
    /// <summary>Every problem with these settings, in a fixed order (mode, lengths, read-only, creation).</summary>
    /// <param name="path">The file, for the messages.</param>
    /// <param name="mode">How the file is opened or created.</param>
    /// <param name="readOnly">Whether the mapping is read-only.</param>
    /// <param name="length">The length of a file the open creates (or sizes, when it is empty).</param>
    /// <param name="maxLength">The growth limit, or null for a fixed size.</param>
    /// <param name="creates">Whether the open would create the file (the caller knows whether it exists).</param>
    public static IEnumerable<OptionProblem> Check(string path, FileMode mode, bool readOnly, long length, long? maxLength, bool creates)
    {
        if (mode is not (FileMode.Open or FileMode.OpenOrCreate or FileMode.CreateNew or FileMode.Create))
            yield return new("Mode", $"must be Open, OpenOrCreate, CreateNew or Create (not {mode}).", OutOfRange: true);
        if (length < 0)
            yield return new("Length", $"must not be negative ({length}).", OutOfRange: true);
        if (maxLength is < 0)
            yield return new("MaxLength", $"must not be negative ({maxLength}).", OutOfRange: true);
        else if (maxLength is { } max && max < length)
            yield return new("MaxLength", $"({max}) is less than Length ({length}).", OutOfRange: true);
        if (readOnly && mode != FileMode.Open)
            yield return new("ReadOnly", $"needs Mode = Open, not {mode}: a read-only mapping can only open an existing file.", OutOfRange: false);
        if (creates && length == 0)
            yield return new("Length", $"must be positive to create '{path}'.", OutOfRange: true);
    }

    /// <summary>Whether an open in <paramref name="mode"/> creates the file, given whether one exists.</summary>
    public static bool Creates(FileMode mode, bool fileExists) =>
        mode is FileMode.CreateNew or FileMode.Create || (mode == FileMode.OpenOrCreate && !fileExists);
}
