using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Options;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Checks every configured file at host start (ValidateOnStart), so a wrong setting stops the host with a
/// message naming its configuration key (<c>Pmem:Files:records:MaxLength</c>) instead of failing at first use.
/// </summary>
internal sealed class PmemFilesOptionsValidator(string sectionPath) : IValidateOptions<PmemFilesOptions>
{
    public ValidateOptionsResult Validate(string? name, PmemFilesOptions options)
    {
        var failures = new List<string>();
        foreach ((string fileName, PmemFileSettings s) in options.Files)
        {
            string key = $"{sectionPath}:Files:{fileName}";
            void Fail(string setting, string message) => failures.Add($"{key}:{setting}: {message}");

            if (string.IsNullOrWhiteSpace(s.Path))
            {
                Fail("Path", "is required (the file to map).");
                continue;
            }
            string path = System.IO.Path.GetFullPath(s.Path);
            string? directory = System.IO.Path.GetDirectoryName(path);
            if (directory is null || !Directory.Exists(directory))
            {
                Fail("Path", $"the directory '{directory}' does not exist.");
                continue;
            }
            if (s.Mode is not (FileMode.Open or FileMode.OpenOrCreate or FileMode.CreateNew or FileMode.Create))
                Fail("Mode", $"'{s.Mode}' is not supported; use Open, OpenOrCreate, CreateNew or Create.");
            if (s.ReadOnly && s.Mode != FileMode.Open)
                Fail("ReadOnly", $"a read-only file must be opened with Mode Open, not {s.Mode}.");
            if (s.Length < 0)
                Fail("Length", $"must not be negative ({s.Length}).");
            if (s.MaxLength is < 0)
                Fail("MaxLength", $"must not be negative ({s.MaxLength}).");
            else if (s.MaxLength is { } max && max < s.Length)
                Fail("MaxLength", $"({max}) is less than Length ({s.Length}).");

            bool exists = File.Exists(path);
            long existingLength = exists ? new FileInfo(path).Length : 0;
            if (s.Mode == FileMode.Open && !exists)
                Fail("Path", $"'{path}' does not exist and Mode is Open.");
            if (s.Mode == FileMode.CreateNew && exists)
                Fail("Path", $"'{path}' already exists and Mode is CreateNew.");
            bool creates = s.Mode is FileMode.CreateNew or FileMode.Create || (s.Mode == FileMode.OpenOrCreate && existingLength == 0);
            if (creates && s.Length <= 0)
                Fail("Length", $"must be positive: '{path}' {(exists ? "is empty" : "does not exist")} and would be created.");
            if (!creates && s.MaxLength is { } limit && limit < existingLength)
                Fail("MaxLength", $"({limit}) is less than the length of the existing '{path}' ({existingLength}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
