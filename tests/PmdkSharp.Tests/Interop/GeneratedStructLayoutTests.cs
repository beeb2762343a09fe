using System;
using System.IO;
using System.Linq;
using PmdkSharp.TestHost.Interop;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Interop;

/// <summary>
/// Every struct in generated/ has C's layout: a C probe (<see cref="GeneratedStructLayouts.ProbeSource"/>), compiled
/// with gcc over the generator's own input headers, prints sizeof and offsetof of each, and .NET's size and field
/// offsets must be the same numbers. A field of the wrong width, a lost padding or a reordered field fails here
/// instead of corrupting memory in a syscall. arm64: native/bindings/check-arch.sh runs the same probe under qemu-user.
/// </summary>
public class GeneratedStructLayoutTests
{
    [Fact]
    public void Every_generated_struct_has_the_size_and_field_offsets_C_gives_it()
    {
        Assert.Contains(GeneratedStructLayouts.Structs(), t => t.Name == "statx");
        string bindings = Path.Combine(RepositoryRoot(), "native", "bindings");
        using var work = new TempPath(Path.GetTempPath(), "");
        Directory.CreateDirectory(work.Path);
        string source = Path.Combine(work.Path, "layout-probe.c"), probe = Path.Combine(work.Path, "layout-probe");
        File.WriteAllText(source, GeneratedStructLayouts.ProbeSource());

        Command.Run("gcc", "-Wall", "-Werror", "-I", bindings, "-o", probe, source);
        string[] c = Command.Run(probe).Split('\n');
        string[] dotnet = GeneratedStructLayouts.Expected().TrimEnd('\n').Split('\n');

        string[] differences = c.Except(dotnet).Select(l => $"C: {l}").Concat(dotnet.Except(c).Select(l => $".NET: {l}")).ToArray();
        Assert.True(differences.Length == 0, $"layouts differ:\n{string.Join('\n', differences)}");
        Assert.Equal(dotnet, c);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "native", "bindings", GeneratedStructLayouts.Headers[0])))
                return directory.FullName;
        throw new DirectoryNotFoundException($"No native/bindings above {AppContext.BaseDirectory}.");
    }
}
