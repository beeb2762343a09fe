using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Checks every configured file at host start (ValidateOnStart), so a wrong setting stops the host with a
/// message naming its configuration key (<c>Pmem:Files:records:MaxLength</c>) instead of failing at first use.
/// Every problem of every entry is listed.
/// </summary>
internal sealed class PmemFilesOptionsValidator(string sectionPath) : IValidateOptions<PmemFilesOptions>
{
    public ValidateOptionsResult Validate(string? name, PmemFilesOptions options)
    {
        var failures = new List<string>();
        foreach ((string fileName, PmemFileSettings s) in options.Files)
        {
            var problems = new EntryProblems($"{sectionPath}:Files:{fileName}", failures);
            string? path = problems.CheckPath(s.Path, s.Mode, "file");
            bool exists = path is not null && File.Exists(path);
            bool creates = OptionRules.Creates(s.Mode, exists);
            problems.Add(OptionRules.Check(path ?? s.Path, s.Mode, s.ReadOnly, s.Length, s.MaxLength, creates));
            // What only the open would find out: a limit below the length of the file that is there.
            long existingLength = exists ? new FileInfo(path!).Length : 0;
            if (!creates && s.MaxLength is { } limit && limit >= 0 && limit < existingLength)
                problems.Fail("MaxLength", $"({limit}) is less than the length of the existing '{path}' ({existingLength}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
