using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Checks every configured log at host start (ValidateOnStart), listing every problem of every entry by key
/// (<c>Pmem:Logs:orders:MaxLength</c>), before any log is opened or created.
/// </summary>
internal sealed class PmemLogsOptionsValidator(string sectionPath) : IValidateOptions<PmemLogsOptions>
{
    public ValidateOptionsResult Validate(string? name, PmemLogsOptions options)
    {
        var failures = new List<string>();
        foreach ((string logName, PmemLogSettings s) in options.Logs)
        {
            var problems = new EntryProblems($"{sectionPath}:Logs:{logName}", failures);
            string? path = problems.CheckPath(s.Path, s.Mode, "log");
            bool exists = path is not null && File.Exists(path);
            problems.Add(OptionRules.CheckLog(path ?? s.Path, s.Mode, s.ReadOnly, s.Length, s.MaxLength, s.MaxRecordLength, OptionRules.Creates(s.Mode, exists)));
            if (s.DegradedBelowFreeBytes < 0)
                problems.Fail("DegradedBelowFreeBytes", $"must not be negative ({s.DegradedBelowFreeBytes}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
