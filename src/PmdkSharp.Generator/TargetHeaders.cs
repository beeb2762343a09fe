using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace PmdkSharp.Generator;

/// <summary>
/// The config's headers as files. Each header name is resolved like an include would be (umbrella
/// directory, -I directories, then the system include directories), so that "types.h" never
/// matches sys/types.h.
/// </summary>
internal sealed class TargetHeaders
{
    private readonly GeneratorConfig _config;
    private HashSet<string>? _files;

    public TargetHeaders(GeneratorConfig config) => _config = config;

    /// <summary>Whether the declaration is in one of the config's headers.</summary>
    public bool Contains(CXCursor cursor)
    {
        _files ??= Resolve();
        string file = ClangCursors.Location(Clang.clang_getCursorLocation(cursor)).File;
        return file.Length > 0 && _files.Contains(Path.GetFullPath(file));
    }

    private HashSet<string> Resolve()
    {
        var dirs = new List<string> { Path.GetDirectoryName(_config.Umbrella)! };
        dirs.AddRange(_config.ClangArgs.Where(a => a.StartsWith("-I", StringComparison.Ordinal) && a.Length > 2).Select(a => a[2..]));
        dirs.AddRange(new[] { "/usr/local/include", $"/usr/include/{MultiarchTriplet()}", "/usr/include" });
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (string header in _config.Headers)
        {
            string? found = dirs.Select(d => Path.GetFullPath(Path.Combine(d, header))).FirstOrDefault(File.Exists);
            files.Add(found ?? throw new GeneratorException($"header {header} not found in {string.Join(", ", dirs)}"));
        }

        return files;
    }

    private static string MultiarchTriplet() => RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant() switch
    {
        "x64" => "x86_64",
        "arm64" => "aarch64",
        var other => other,
    } + "-linux-gnu";
}
