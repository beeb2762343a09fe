using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using PmdkSharp.Log;

namespace PmdkSharp.Cli.Log;

/// <summary>Where <c>--from</c> starts: the log's start, its committed end, or a record's position.</summary>
internal readonly record struct FromPosition(long? Offset, bool AtEnd)
{
    public static FromPosition Start => new(null, false);

    public static FromPosition End => new(null, true);

    /// <summary>The position in <paramref name="log"/> this stands for.</summary>
    public LogPosition Resolve(PmemLog log) => Offset is { } offset ? new LogPosition(offset) : AtEnd ? log.End : log.Start;

    public override string ToString() => Offset?.ToString(CultureInfo.InvariantCulture) ?? (AtEnd ? "end" : "start");
}

/// <summary>The arguments and options the <c>log</c> subcommands share, typed and checked while parsing.</summary>
internal static class LogOptions
{
    public static Argument<string> File() => new("FILE") { Description = "The log file" };

    /// <summary><c>--from POS</c>: a record's position (as dump prints it), <c>start</c> or <c>end</c>.</summary>
    public static Option<FromPosition?> From(string defaultsTo) => new("--from")
    {
        Description = $"Where to start: a record's position (as dump prints it), 'start' or 'end'; {defaultsTo} by default",
        HelpName = "POS",
        CustomParser = ParseFrom,
    };

    public static Option<RecordFormat> Format() => new("--format")
    {
        Description = "text: the payload as text when it is printable ASCII, hex otherwise; hex; json: one object a line, the payload in base64",
        HelpName = "text|hex|json",
        DefaultValueFactory = _ => RecordFormat.Text,
        CustomParser = ParseFormat,
    };

    public static Option<bool> Json() => new("--json") { Description = "Write one JSON object instead of text" };

    private static FromPosition? ParseFrom(ArgumentResult result)
    {
        string text = result.Tokens.Single().Value;
        if (text.Equals("start", StringComparison.OrdinalIgnoreCase))
            return FromPosition.Start;
        if (text.Equals("end", StringComparison.OrdinalIgnoreCase))
            return FromPosition.End;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            return new FromPosition(offset, false);
        result.AddError($"--from: '{text}' is not a position (a record's position as dump prints it, 'start' or 'end')");
        return null;
    }

    private static RecordFormat ParseFormat(ArgumentResult result)
    {
        string text = result.Tokens.Single().Value;
        foreach (RecordFormat format in Enum.GetValues<RecordFormat>())
        {
            if (text.Equals(format.ToString(), StringComparison.OrdinalIgnoreCase))
                return format;
        }
        result.AddError($"--format: '{text}' is not text, hex or json");
        return RecordFormat.Text;
    }
}
