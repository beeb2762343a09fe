using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PmdkSharp.Generator;

/// <summary>
/// What one output file binds: read from a JSON file in native/bindings (one per output).
/// Relative paths in the file are relative to the file's own directory.
/// </summary>
public sealed class GeneratorConfig
{
    /// <summary>Name of the generated static class, e.g. <c>Libpmem</c>.</summary>
    public string ClassName { get; set; } = "";

    /// <summary>Member of <c>Libraries</c> named in each LibraryImport, e.g. <c>Libpmem</c>.</summary>
    public string Library { get; set; } = "";

    /// <summary>Library file checked at generation time for each function's export; null skips the check.</summary>
    public string? SoName { get; set; }

    /// <summary>Output file name, e.g. <c>Libpmem.g.cs</c>.</summary>
    public string Output { get; set; } = "";

    /// <summary>Umbrella header parsed as the translation unit.</summary>
    public string Umbrella { get; set; } = "";

    /// <summary>
    /// Headers (as included, e.g. <c>libpmem2/base.h</c>) whose functions, enums and structs are all
    /// bound. Matched against the end of each declaration's file path.
    /// </summary>
    public List<string> Headers { get; set; } = new();

    /// <summary>Functions bound by name, wherever they are declared.</summary>
    public List<string> Functions { get; set; } = new();

    /// <summary>Object-like macros whose names start with one of these (in <see cref="Headers"/> when that is not empty).</summary>
    public List<string> MacroPrefixes { get; set; } = new();

    /// <summary>Object-like macros bound by name, wherever they are defined.</summary>
    public List<string> MacroNames { get; set; } = new();

    /// <summary>Functions that report failure through errno: their imports get <c>SetLastError = true</c>.</summary>
    public List<string> SetLastError { get; set; } = new();

    /// <summary>
    /// Functions that also get an overload taking their file descriptor (an <c>int</c> parameter named
    /// <c>fd</c>, <c>__fd</c>, <c>__fildes</c> or <c>__dirfd</c>) as a <c>SafeFileHandle</c>: the marshaller then holds
    /// the handle for the call, so a concurrent close cannot hand its number to another file meanwhile.
    /// </summary>
    public List<string> FileDescriptorOverloads { get; set; } = new();

    /// <summary>Extra clang arguments (defines, include directories, language options).</summary>
    public List<string> ClangArgs { get; set; } = new();

    /// <summary>Banner template file; see <see cref="BannerText"/>.</summary>
    public string Banner { get; set; } = "";

    /// <summary>Headers named in the banner, e.g. <c>libpmem.h</c>.</summary>
    public string BannerHeaders { get; set; } = "";

    /// <summary>Debian package that ships the headers, e.g. <c>libpmem-dev</c>.</summary>
    public string Package { get; set; } = "";

    /// <summary>Upstream project named in the banner, e.g. <c>PMDK</c>.</summary>
    public string Upstream { get; set; } = "";

    /// <summary>License of the headers, e.g. <c>BSD-3-Clause</c>.</summary>
    public string License { get; set; } = "";

    /// <summary>Exact package version (Debian form, e.g. <c>1.12.1-2</c>); supplied by the caller, not the file.</summary>
    [JsonIgnore]
    public string PackageVersion { get; set; } = "";

    /// <summary>Contents of the banner template; loaded from <see cref="Banner"/> unless set directly.</summary>
    [JsonIgnore]
    public string BannerText { get; set; } = "";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// Reads a config file. <paramref name="packageVersions"/> maps package names to versions;
    /// the config's <see cref="Package"/> must be in it.
    /// </summary>
    public static GeneratorConfig Load(string path, IReadOnlyDictionary<string, string> packageVersions)
    {
        string fullPath = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(fullPath)!;
        GeneratorConfig config = JsonSerializer.Deserialize<GeneratorConfig>(File.ReadAllText(fullPath), JsonOptions)
            ?? throw new GeneratorException($"{path}: empty config");

        if (config.ClassName.Length == 0 || config.Library.Length == 0 || config.Output.Length == 0 || config.Umbrella.Length == 0)
        {
            throw new GeneratorException($"{path}: className, library, output and umbrella are required");
        }

        config.Umbrella = Path.GetFullPath(Path.Combine(dir, config.Umbrella));
        for (int i = 0; i < config.ClangArgs.Count; i++)
        {
            // "-I" directories are relative to the config, like every other path in it.
            string arg = config.ClangArgs[i];
            if (arg.StartsWith("-I", StringComparison.Ordinal) && arg.Length > 2 && !Path.IsPathRooted(arg[2..]))
            {
                config.ClangArgs[i] = "-I" + Path.GetFullPath(Path.Combine(dir, arg[2..]));
            }
        }

        if (config.Banner.Length > 0)
        {
            config.BannerText = File.ReadAllText(Path.Combine(dir, config.Banner));
        }

        if (config.Package.Length > 0)
        {
            if (!packageVersions.TryGetValue(config.Package, out string? version))
            {
                throw new GeneratorException($"{path}: no version given for package {config.Package} (pass --package-version {config.Package}=VERSION)");
            }

            config.PackageVersion = version;
        }

        return config;
    }
}

/// <summary>A generation failure with a message meant for the person running the generator.</summary>
public sealed class GeneratorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GeneratorException(string message) : base(message)
    {
    }
}
