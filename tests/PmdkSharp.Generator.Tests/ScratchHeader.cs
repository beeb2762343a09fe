using System;
using System.IO;
using PmdkSharp.Generator;

namespace PmdkSharp.Generator.Tests;

/// <summary>A header written to a fresh directory on tmpfs and a config that binds everything in it.</summary>
internal sealed class ScratchHeader : IDisposable
{
    private readonly string _dir;

    public ScratchHeader(string source)
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _dir = Path.Combine(root, $"pmdksharp-generator-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        string header = Path.Combine(_dir, "scratch.h");
        File.WriteAllText(header, source);
        Config = new GeneratorConfig
        {
            ClassName = "Scratch",
            Library = "Libtest",
            Output = "scratch.g.cs",
            Umbrella = header,
            Headers = { "scratch.h" },
            BannerHeaders = "scratch.h",
        };
    }

    public GeneratorConfig Config { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
