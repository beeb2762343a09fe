using System.CommandLine;
using System.IO;
using System.Linq;
using PmdkSharp.Cli;
using PmdkSharp.Cli.Bench;
using Xunit;

namespace PmdkSharp.Cli.Tests;

/// <summary>How pmemsharp parses its options: typed values, allowed section names, and usage errors as one line with exit code 2.</summary>
public class CommandLineTests
{
    private static ParseResult Parse(params string[] args) => PmemsharpCommandLine.CreateRoot().Parse(args);

    private static T? Value<T>(ParseResult result, string name) => result.GetValue<T>(name);

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("16M", 16L << 20)]
    [InlineData("16m", 16L << 20)]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("16MB", 16L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("1T", 1L << 40)]
    public void SizeIsParsedToBytes(string text, long bytes)
    {
        ParseResult result = Parse("bench", "--size", text);
        Assert.Empty(result.Errors);
        Assert.Equal(bytes, Value<long?>(result, "--size"));
    }

    [Theory]
    [InlineData("12X")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("M")]
    [InlineData("1.5G")]
    [InlineData("99999999999999T")]
    public void BadSizeIsAParseError(string text)
    {
        ParseResult result = Parse("bench", "--size", text);
        ParseErrorMessage(result, $"--size: '{text}'");
    }

    [Fact]
    public void BadSizeExitsWithTwoAndOneLineOnStandardError()
    {
        var error = new StringWriter();
        int code = PmemsharpCommandLine.Run(["bench", "--size", "12X"], error);
        Assert.Equal(PmemsharpCommandLine.UsageError, code);
        Assert.Equal(2, code);
        Assert.Equal(["pmemsharp: --size: '12X' is not a size (examples: 4096, 64K, 16M, 1G)"], Lines(error));
    }

    [Fact]
    public void SectionsAreCommaSeparatedOrRepeated()
    {
        ParseResult result = Parse("bench", "--only", "growth,first-touch", "--only", "huge-pages");
        Assert.Empty(result.Errors);
        string[] names = Value<string[]>(result, "--only")!;
        Assert.Equal(["growth", "first-touch", "huge-pages"], names);
        Assert.Equal(["first-touch", "growth", "huge-pages"], BenchSections.Select(names).Select(s => s.Name).ToArray());
    }

    [Fact]
    public void NoSectionsMeansAll()
    {
        ParseResult result = Parse("bench");
        Assert.Empty(result.Errors);
        Assert.Equal(BenchSections.Names, BenchSections.Select(Value<string[]>(result, "--only")).Select(s => s.Name).ToArray());
        Assert.Equal(["first-touch", "growth", "copy-persist", "small-writes", "huge-pages", "range-control", "dax-writes"], BenchSections.Names);
    }

    [Fact]
    public void UnknownSectionIsAUsageErrorThatListsTheSections()
    {
        var error = new StringWriter();
        Assert.Equal(2, PmemsharpCommandLine.Run(["bench", "--only", "growth,bogus"], error));
        string line = Assert.Single(Lines(error));
        Assert.Contains("unknown section 'bogus'", line);
        Assert.Contains(string.Join(", ", BenchSections.Names), line);
    }

    [Fact]
    public void SizeWinsOverQuick()
    {
        ParseResult result = Parse("bench", "--quick", "--size", "8M");
        BenchSettings settings = BenchOptions.Settings(Value<long?>(result, "--size"), Value<bool>(result, "--quick"));
        Assert.Equal(8L << 20, settings.FileBytes);
        Assert.Equal("size 8 MiB", settings.Name);
        Assert.Same(BenchSettings.Quick, BenchOptions.Settings(null, quick: true));
        Assert.Same(BenchSettings.Full, BenchOptions.Settings(null, quick: false));
    }

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var error = new StringWriter();
        Assert.Equal(2, PmemsharpCommandLine.Run(["bench", "--sise", "8M"], error));
        Assert.Contains(Lines(error), l => l.Contains("--sise"));
    }

    [Fact]
    public void ChildCommandIsHiddenAndNeedsItsDirectoryAndOutput()
    {
        RootCommand root = PmemsharpCommandLine.CreateRoot();
        Command child = root.Subcommands.Single(c => c.Name == BenchChildCommand.Name);
        Assert.True(child.Hidden);
        Assert.False(root.Subcommands.Single(c => c.Name == "bench").Hidden);
        ParseResult result = root.Parse([BenchChildCommand.Name, "--label", "tmpfs"]);
        Assert.Contains(result.Errors, e => e.Message.Contains("--dir"));
        Assert.Contains(result.Errors, e => e.Message.Contains("--out"));
    }

    [Fact]
    public void ChildArgumentsTheParentBuildsParseToTheSameRun()
    {
        var memory = new BenchDir("/dev/shm/pmemsharp-bench-1", "tmpfs", Mount: null, Temporary: true);
        var sections = BenchSections.Select(["small-writes", "copy-persist"]);
        var args = EmulatedPmemChild.Arguments(memory, "/dev/shm/pmemsharp-bench-1/child.json", sections, ["--size", "8388608"], "/opt/copy_persist");
        ParseResult result = Parse(args.ToArray());
        Assert.Empty(result.Errors);
        Assert.Equal(BenchChildCommand.Name, result.CommandResult.Command.Name);
        Assert.Equal(memory.Path, Value<string>(result, "--dir"));
        Assert.Equal("tmpfs", Value<string>(result, "--label"));
        Assert.Equal("/dev/shm/pmemsharp-bench-1/child.json", Value<string>(result, "--out"));
        Assert.Equal(8L << 20, Value<long?>(result, "--size"));
        Assert.Equal("/opt/copy_persist", Value<string?>(result, "--native-bench"));
        Assert.Equal(["copy-persist", "small-writes"], Value<string[]>(result, "--only")!);
    }

    private static void ParseErrorMessage(ParseResult result, string expectedStart)
    {
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(expectedStart, error.Message);
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split('\n', System.StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
