using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Collects every problem of one configured entry (a file or a log) under its key, and holds the checks both
/// kinds share. Each check runs whatever the others found: a missing directory never hides a bad length.
/// The rules of the settings themselves are the library's (<see cref="OptionRules"/>), never copied here.
/// </summary>
internal sealed class EntryProblems(string key, List<string> failures)
{
    public void Fail(string setting, string message) => failures.Add($"{key}:{setting}: {message}");

    /// <summary>Reports every problem <see cref="OptionRules"/> finds (the rules <see cref="PmemFile.Open"/> and the log's Open apply), under its setting.</summary>
    public void Add(IEnumerable<OptionProblem> problems)
    {
        foreach (OptionProblem problem in problems)
            Fail(problem.Option, problem.Problem);
    }

    /// <summary>
    /// Checks Path, and whether the file's existence suits <paramref name="mode"/>; returns the full path when
    /// the file's directory exists (so the file can be looked at), else null.
    /// </summary>
    public string? CheckPath(string path, FileMode mode, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            Fail("Path", $"is required (the {what} to map).");
            return null;
        }
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            Fail("Path", $"the directory '{directory}' does not exist.");
            return null;
        }
        bool exists = File.Exists(full);
        if (mode == FileMode.Open && !exists)
            Fail("Path", $"'{full}' does not exist and Mode is Open.");
        if (mode == FileMode.CreateNew && exists)
            Fail("Path", $"'{full}' already exists and Mode is CreateNew.");
        return full;
    }
}
