using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using PmdkSharp.Diagnostics;
using PmdkSharp.Mapping;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// Growth stays one mapping on every file system, overlayfs included (a container's writable
/// layer, where adjacent file mappings never merge and one mapping per grow reached
/// vm.max_map_count after ~65 000 grows).
/// </summary>
public class OverlayGrowthTests
{
    private const int Grows = 100_000;

    public static TheoryData<PmemBackendKind, string> Places()
    {
        var data = new TheoryData<PmemBackendKind, string>();
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            foreach (string directory in TestEnvironment.Directories)
                data.Add(backend, directory);
            data.Add(backend, "overlay");
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Places))]
    public void A_hundred_thousand_grows_keep_one_mapping(PmemBackendKind backend, string place)
    {
        TestEnvironment.Require(backend);
        using OverlayMount? overlay = place == "overlay" ? OverlayMount.Create() : null;
        string directory = overlay?.Directory ?? place;
        using var path = new TempPath(directory);
        const long Step = 4096;
        using (var file = PmemFile.Open(path.Path, Patterns.Options(backend, Step, Step * (Grows + 1)) with { Preallocation = Preallocation.Sparse }))
        {
            for (int i = 2; i <= Grows + 1; i++)
            {
                file.Grow(Step * i);
                if (i % 10_000 == 0)
                    file.Write(Step * (i - 1), i); // a value in the newest extent, checked below
            }

            nuint start = file.BaseAddress;
            int vmas = ProcMaps.CountVmas(start, start + (nuint)file.MaxLength);
            Assert.True(vmas == 1, $"{vmas} VMAs over the mapping after {Grows} grows in {directory}");
            for (int i = 10_000; i <= Grows + 1; i += 10_000)
                Assert.Equal(i, file.Read<int>(Step * (i - 1)));
            file.Persist();
        }
        Assert.Equal(Step * (Grows + 1), new FileInfo(path.Path).Length);
    }
}

/// <summary>An overlayfs mount (lower, upper and work directories under /var/tmp), unmounted on dispose.</summary>
public sealed class OverlayMount : IDisposable
{
    private readonly string root;

    private OverlayMount(string root)
    {
        this.root = root;
        Directory = Path.Combine(root, "merged");
    }

    public string Directory { get; }

    public static OverlayMount Create()
    {
        Skip.IfNot(TestEnvironment.IsRoot, "mounting overlayfs needs root");
        string root = Path.Combine("/var/tmp", $"pmdksharp-overlay-{Guid.NewGuid():N}");
        foreach (string part in new[] { "lower", "upper", "work", "merged" })
            System.IO.Directory.CreateDirectory(Path.Combine(root, part));
        var mount = new OverlayMount(root);
        string error = Run("mount", "-t", "overlay", "overlay", "-o",
            $"lowerdir={root}/lower,upperdir={root}/upper,workdir={root}/work", mount.Directory);
        Skip.If(error.Length > 0, $"overlayfs cannot be mounted here: {error}");
        return mount;
    }

    public void Dispose()
    {
        Run("umount", "-l", Directory);
        System.IO.Directory.Delete(root, recursive: true);
    }

    private static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? "" : $"{command} exited {process.ExitCode}: {error.Trim()}";
    }
}
