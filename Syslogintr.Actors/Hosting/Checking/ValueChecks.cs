using Akka.Configuration;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// Whether a value as written fits its key's kind: a duration Akka can read, a size, a whole number not below 0,
/// true/false, a list where a list belongs. Durations and sizes are read by Akka itself, so what passes here is what
/// the node reads.
/// </summary>
internal static class ValueChecks
{
    /// <summary>How the sentence for a negative number, size or duration begins.</summary>
    public const string Negative = "must not be negative";

    /// <summary>A plain sentence for what is wrong with <paramref name="entry"/>'s value, or null when it fits <paramref name="kind"/>.</summary>
    public static string? Problem(OutlineEntry entry, ValueKind kind)
    {
        if (entry.Substituted || kind == ValueKind.Free)
        {
            return null;
        }

        var shapeProblem = (kind, entry.Shape) switch
        {
            (ValueKind.Section, not ValueShape.Section) => "must be a section: key { ... }",
            (ValueKind.List, not ValueShape.List) => "must be a list: [ ..., ... ]",
            (ValueKind.TextOrList, ValueShape.Section) => "must be a value or a list of them, not a section",
            (not (ValueKind.Section or ValueKind.List or ValueKind.TextOrList), not ValueShape.Single) =>
                $"must be a single value, not a {(entry.Shape == ValueShape.List ? "list" : "section")}",
            _ => null,
        };
        if (shapeProblem is not null || entry.Shape != ValueShape.Single)
        {
            return shapeProblem;
        }

        var text = entry.Text.Trim();
        return kind switch
        {
            ValueKind.Bool when !ConfigSchema.Bools.Contains(text) => $"must be true or false, not '{text}'",
            ValueKind.Integer when !long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _) =>
                $"must be a whole number, not '{text}'",
            ValueKind.Integer when long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) < 0 => $"{Negative}, not {text}",
            ValueKind.Duration => Duration(text),
            ValueKind.Size => Size(text),
            _ => null,
        };
    }

    private static string? Duration(string text)
    {
        try
        {
            var value = Read(text).GetTimeSpan("v");
            if (value < TimeSpan.Zero)
            {
                return $"{Negative}, not '{text}'";
            }

            // Akka reads a bare number as milliseconds: drain-timeout = 5 is 5 ms, surely not what was meant. 0 is 0 in any unit.
            return value != TimeSpan.Zero && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
                ? $"'{text}' has no unit, and Akka reads a bare number as milliseconds ({text}ms): write the unit, e.g. {text}s, or {text}ms if that is meant"
                : null;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            return $"'{text}' is not a duration: write a number and a unit, e.g. 500ms, 10s, 5m, 1h or 30d";
        }
    }

    private static string? Size(string text)
    {
        try
        {
            return Read(text).GetByteSize("v") switch
            {
                null => $"'{text}' is not a size: write a number and a unit, e.g. 512KiB or 8MiB",
                < 0 => $"{Negative}, not '{text}'",
                _ => null,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            return $"'{text}' is not a size: write a number and a unit, e.g. 512KiB or 8MiB";
        }
    }

    private static Config Read(string text) =>
        ConfigurationFactory.ParseString($"v = \"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
}
