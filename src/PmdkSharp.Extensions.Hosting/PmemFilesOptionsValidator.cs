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
            if (s.Length < 0)
                problems.Fail("Length", $"must not be negative ({s.Length}).");
            if (s.MaxLength is < 0)
                problems.Fail("MaxLength", $"must not be negative ({s.MaxLength}).");
            else if (s.MaxLength is { } max && max < s.Length)
                problems.Fail("MaxLength", $"({max}) is less than Length ({s.Length}).");

            if (problems.CheckPathAndMode(s.Path, s.Mode, s.ReadOnly, "file") is not { } path)
                continue; // no directory: nothing there to compare the lengths with
            bool exists = File.Exists(path);
            long existingLength = exists ? new FileInfo(path).Length : 0;
            bool creates = s.Mode is FileMode.CreateNew or FileMode.Create || (s.Mode == FileMode.OpenOrCreate && existingLength == 0);
            if (creates && s.Length <= 0)
                problems.Fail("Length", $"must be positive: '{path}' {(exists ? "is empty" : "does not exist")} and would be created.");
            if (!creates && s.MaxLength is { } limit && limit < existingLength)
                problems.Fail("MaxLength", $"({limit}) is less than the length of the existing '{path}' ({existingLength}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
