using System;
using System.Collections.Generic;
using System.IO;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Collects every problem of one configured entry (a file or a log) under its key, and holds the checks both
/// kinds share. Each check runs whatever the others found: a missing directory never hides a bad length.
/// </summary>
internal sealed class EntryProblems(string key, List<string> failures)
{
    public void Fail(string setting, string message) => failures.Add($"{key}:{setting}: {message}");

    /// <summary>
    /// Checks Path, Mode and ReadOnly; returns the full path when the file's directory exists (so its existence
    /// can be checked against Mode), else null.
    /// </summary>
    public string? CheckPathAndMode(string path, FileMode mode, bool readOnly, string what)
    {
        if (mode is not (FileMode.Open or FileMode.OpenOrCreate or FileMode.CreateNew or FileMode.Create))
            Fail("Mode", $"'{mode}' is not supported; use Open, OpenOrCreate, CreateNew or Create.");
        if (readOnly && mode != FileMode.Open)
            Fail("ReadOnly", $"a read-only {what} must be opened with Mode Open, not {mode}.");
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
