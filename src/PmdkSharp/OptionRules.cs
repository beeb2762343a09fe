using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp;

/// <summary>One broken rule: the option it names and what is wrong, phrased to follow the option's name.</summary>
/// <param name="Option">The option's name (<c>MaxLength</c>), which a host prefixes with its configuration key.</param>
/// <param name="Problem">What is wrong, read after the name (<c>(4096) is less than Length (65536).</c>).</param>
/// <param name="OutOfRange">A value out of its range (ArgumentOutOfRangeException) rather than a combination that does not go together (ArgumentException).</param>
/// <param name="Value">The option's value, which an ArgumentOutOfRangeException carries.</param>
internal readonly record struct OptionProblem(string Option, string Problem, bool OutOfRange, object? Value)
{
    /// <summary>The exception <see cref="PmemFile.Open"/> and the log's Open throw for it.</summary>
    public Exception ToException() => OutOfRange
        ? new ArgumentOutOfRangeException("options", Value, $"{Option} {Problem}")
        : new ArgumentException($"{Option} {Problem}", "options");
}

/// <summary>
/// The rules a mapping's settings must keep, written once for every caller that takes them:
/// <see cref="PmemFile.Open"/> (which throws the first problem), the log's Open, and the hosting
/// package's start-up validation (which reports every problem under its configuration key).
/// A log's settings keep the same rules and a few of its own (<see cref="CheckLog"/>).
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
            yield return new("Mode", $"must be Open, OpenOrCreate, CreateNew or Create (not {mode}).", OutOfRange: true, mode);
        if (length < 0)
            yield return new("Length", $"must not be negative ({length}).", OutOfRange: true, length);
        if (maxLength is < 0)
            yield return new("MaxLength", $"must not be negative ({maxLength}).", OutOfRange: true, maxLength);
        else if (maxLength is { } max && max < length)
            yield return new("MaxLength", $"({max}) is less than Length ({length}).", OutOfRange: true, max);
        if (readOnly && mode != FileMode.Open)
            yield return new("ReadOnly", $"needs Mode = Open, not {mode}: a read-only mapping can only open an existing file.", OutOfRange: false, readOnly);
        if (creates && length == 0)
            yield return new("Length", $"must be positive to create '{path}'.", OutOfRange: true, length);
    }

    /// <summary>
    /// Every problem with a log's settings: the mapping's rules (a log's MaxLength is never null),
    /// then the log's own, for the header page and a page of records and for a record's length.
    /// </summary>
    /// <param name="path">The log, for the messages.</param>
    /// <param name="mode">How the log is opened or created.</param>
    /// <param name="readOnly">Whether the log is opened read-only.</param>
    /// <param name="length">The length of a log the open creates.</param>
    /// <param name="maxLength">The most the log's file grows to.</param>
    /// <param name="maxRecordLength">The longest record an append takes.</param>
    /// <param name="creates">Whether the open would create the file.</param>
    public static IEnumerable<OptionProblem> CheckLog(string path, FileMode mode, bool readOnly, long length, long maxLength, int maxRecordLength, bool creates)
    {
        foreach (OptionProblem problem in Check(path, mode, readOnly, length, maxLength, creates))
        {
            if (problem.Option != "Length") // the log's minimum below says more than "not negative" or "positive"
                yield return problem;
        }
        if (length < Log.LogLayout.MinimumLength)
            yield return new("Length", $"({length}) must be at least {Log.LogLayout.MinimumLength} bytes (the header page and one page of records).", OutOfRange: true, length);
        if (maxRecordLength is < 1 or > Log.LogLayout.MaxPayload)
            yield return new("MaxRecordLength", $"({maxRecordLength}) must be between 1 and {Log.LogLayout.MaxPayload}.", OutOfRange: true, maxRecordLength);
    }

    /// <summary>Whether an open in <paramref name="mode"/> creates the file, given whether one exists.</summary>
    public static bool Creates(FileMode mode, bool fileExists) =>
        mode is FileMode.CreateNew or FileMode.Create || (mode == FileMode.OpenOrCreate && !fileExists);
}
