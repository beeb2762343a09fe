using System.IO;
using System.Linq;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>The shared option rules report every problem by option name, phrased to follow it, so a host can prefix its configuration key.</summary>
public sealed class OptionRulesTests
{
    [Fact]
    public void Every_problem_is_reported_under_its_option_in_a_fixed_order()
    {
        string[] problems = OptionRules.Check("/f", FileMode.Append, readOnly: true, length: -1, maxLength: -2, creates: false)
            .Select(p => $"{p.Option} {p.Problem}").ToArray();

        Assert.Equal(
        [
            "Mode must be Open, OpenOrCreate, CreateNew or Create (not Append).",
            "Length must not be negative (-1).",
            "MaxLength must not be negative (-2).",
            "ReadOnly needs Mode = Open, not Append: a read-only mapping can only open an existing file.",
        ], problems);
    }

    [Fact]
    public void A_growth_limit_below_the_length_and_an_empty_creation_are_problems()
    {
        var problems = OptionRules.Check("/f", FileMode.Create, readOnly: false, length: 0, maxLength: null, creates: true).ToArray();
        Assert.Equal(("Length", "must be positive to create '/f'."), (problems.Single().Option, problems.Single().Problem));

        var limit = OptionRules.Check("/f", FileMode.Open, readOnly: false, length: 65536, maxLength: 4096, creates: false).Single();
        Assert.Equal("MaxLength (4096) is less than Length (65536).", $"{limit.Option} {limit.Problem}");
        Assert.Empty(OptionRules.Check("/f", FileMode.OpenOrCreate, readOnly: false, length: 4096, maxLength: 8192, creates: true));
    }

    [Theory]
    [InlineData(FileMode.CreateNew, true, true)]
    [InlineData(FileMode.Create, true, true)]
    [InlineData(FileMode.OpenOrCreate, false, true)]
    [InlineData(FileMode.OpenOrCreate, true, false)]
    [InlineData(FileMode.Open, false, false)]
    public void Whether_an_open_creates_the_file(FileMode mode, bool exists, bool creates) =>
        Assert.Equal(creates, OptionRules.Creates(mode, exists));
}
