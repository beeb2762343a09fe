using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Checks every configured log at host start (ValidateOnStart), listing every problem of every entry by key
/// (<c>Pmem:Logs:orders:MaxLength</c>), before any log is opened or created.
/// </summary>
internal sealed class PmemLogsOptionsValidator(string sectionPath) : IValidateOptions<PmemLogsOptions>
{
    /// <summary>The smallest log <see cref="PmdkSharp.Log.PmemLogOptions.Length"/> allows: a header page and a page of records.</summary>
    internal const long MinimumLength = 8192;

    public ValidateOptionsResult Validate(string? name, PmemLogsOptions options)
    {
        var failures = new List<string>();
        foreach ((string logName, PmemLogSettings s) in options.Logs)
        {
            var problems = new EntryProblems($"{sectionPath}:Logs:{logName}", failures);
            if (s.Length < MinimumLength)
                problems.Fail("Length", $"({s.Length}) must be at least {MinimumLength} bytes (a header page and a page of records).");
            if (s.MaxLength < s.Length)
                problems.Fail("MaxLength", $"({s.MaxLength}) is less than Length ({s.Length}).");
            if (s.MaxRecordLength < 1)
                problems.Fail("MaxRecordLength", $"must be positive ({s.MaxRecordLength}).");
            if (s.DegradedBelowFreeBytes < 0)
                problems.Fail("DegradedBelowFreeBytes", $"must not be negative ({s.DegradedBelowFreeBytes}).");
            problems.CheckPathAndMode(s.Path, s.Mode, s.ReadOnly, "log");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
