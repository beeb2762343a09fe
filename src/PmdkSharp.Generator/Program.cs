using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace PmdkSharp.Generator;

/// <summary>
/// Command line: <c>PmdkSharp.Generator --out DIR [--package-version PACKAGE=VERSION]... [--clang-arg ARG]... CONFIG.json...</c>.
/// Writes each config's output file into DIR (only when its text changed). <c>--clang-arg</c> adds an argument to every
/// config's clang arguments: native/bindings/check-arch.sh generates for another target
/// (<c>--target=aarch64-linux-gnu</c>) to prove the committed output holds there too.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? outDir = null;
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        var configs = new List<string>();
        var clangArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    outDir = args[++i];
                    break;
                case "--package-version" when i + 1 < args.Length:
                    string[] pair = args[++i].Split('=', 2);
                    if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Length == 0)
                    {
                        return Usage($"bad --package-version '{args[i]}' (want PACKAGE=VERSION)");
                    }

                    versions[pair[0]] = pair[1];
                    break;
                case "--clang-arg" when i + 1 < args.Length:
                    clangArgs.Add(args[++i]);
                    break;
                case "-h" or "--help":
                    return Usage(null);
                default:
                    if (args[i].StartsWith('-'))
                    {
                        return Usage($"unknown option {args[i]}");
                    }

                    configs.Add(args[i]);
                    break;
            }
        }

        if (outDir is null || configs.Count == 0)
        {
            return Usage("need --out and at least one config");
        }

        try
        {
            Directory.CreateDirectory(outDir);
            foreach (string configPath in configs)
            {
                GeneratorConfig config = GeneratorConfig.Load(configPath, versions);
                config.ClangArgs.AddRange(clangArgs);
                string text = BindingGenerator.Generate(config);
                string target = Path.Combine(outDir, config.Output);
                bool unchanged = File.Exists(target) && File.ReadAllText(target) == text;
                if (!unchanged)
                {
                    File.WriteAllText(target, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                }

                Console.WriteLine($"{configPath} -> {target}{(unchanged ? " (unchanged)" : "")}");
            }

            return 0;
        }
        catch (GeneratorException e)
        {
            Console.Error.WriteLine($"PmdkSharp.Generator: {e.Message}");
            return 1;
        }
    }

    private static int Usage(string? error)
    {
        if (error is not null)
        {
            Console.Error.WriteLine($"PmdkSharp.Generator: {error}");
        }

        Console.Error.WriteLine("usage: PmdkSharp.Generator --out DIR [--package-version PACKAGE=VERSION]... [--clang-arg ARG]... CONFIG.json...");
        return error is null ? 0 : 2;
    }
}
