using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PmdkSharp.Generator;

/// <summary>Finds clang's own headers (stddef.h and friends) for the loaded libclang.</summary>
internal static class ClangResourceHeaders
{
    /// <summary>The include directory: PMDKSHARP_CLANG_INCLUDE when set, else the one matching libclang's version.</summary>
    public static string Find()
    {
        string? explicitDir = Environment.GetEnvironmentVariable("PMDKSHARP_CLANG_INCLUDE");
        if (!string.IsNullOrEmpty(explicitDir))
        {
            return explicitDir;
        }

        // "Debian clang version 14.0.6" -> prefer that version's directory, else the newest one.
        string clangVersion = Clang.ToManaged(Clang.clang_getClangVersion());
        string? wanted = clangVersion.Split(' ').FirstOrDefault(w => w.Length > 0 && char.IsDigit(w[0]) && w.Contains('.'));
        var candidates = new List<(Version Version, string Dir)>();
        foreach (string root in new[] { "/usr/lib/clang", "/usr/local/lib/clang" }
            .Concat(Directory.Exists("/usr/lib") ? Directory.GetDirectories("/usr/lib", "llvm-*").Select(d => Path.Combine(d, "lib", "clang")) : []))
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string versionDir in Directory.GetDirectories(root))
            {
                string include = Path.Combine(versionDir, "include");
                if (File.Exists(Path.Combine(include, "stddef.h")) && Version.TryParse(Path.GetFileName(versionDir), out Version? v))
                {
                    candidates.Add((v, include));
                }
            }
        }

        if (candidates.Count == 0)
        {
            throw new GeneratorException($"clang's resource headers (stddef.h) not found for {clangVersion}; install libclang-common-14-dev or set PMDKSHARP_CLANG_INCLUDE");
        }

        var exact = candidates.Where(c => wanted is not null && c.Version.ToString() == wanted).ToList();
        var major = candidates.Where(c => wanted is not null && c.Version.Major.ToString(CultureInfo.InvariantCulture) == wanted.Split('.')[0]).ToList();
        var pick = exact.Count > 0 ? exact : major.Count > 0 ? major : candidates;
        return pick.OrderByDescending(c => c.Version).ThenBy(c => c.Dir, StringComparer.Ordinal).First().Dir;
    }
}
