using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// Checks a configuration file the way the node reads it and reports every problem at once, each with the file's
/// line: HOCON syntax (also what Akka's parser accepts silently: an unclosed '{', a stray '}', <c>key = = 5</c>),
/// keys the embedded defaults do not know (with the nearest known name), values of the wrong kind, what the node's
/// own settings readers refuse, rule scripts that are missing or do not compile, paths that cannot be created, TLS
/// files that do not exist, and, when asked, listener addresses already in use. <c>syslogintr check-config</c>
/// prints the problems; the node refuses to start on them.
/// </summary>
public static partial class ConfigCheck
{
    /// <summary>
    /// The problems of <paramref name="file"/> (null: the defaults alone), layered over the defaults with relative
    /// paths against the working directory, in line order.
    /// </summary>
    /// <param name="probeListeners">
    /// Given the configuration read, whether to bind each listener's port (and connect to its socket path) to see
    /// whether it is free; null: never (the node binds them itself).
    /// </param>
    public static IReadOnlyList<ConfigProblem> Check(string? file, Func<Config, bool>? probeListeners) => Run(file, probeListeners).Problems;

    /// <summary>What the node starts with: <paramref name="file"/> (null: none) over the defaults; a <see cref="ConfigProblemsException"/> when it has any problem.</summary>
    public static Config Load(string? file, Func<Config, bool>? probeListeners)
    {
        var (config, problems) = Run(file, probeListeners);
        return problems.Count == 0 && config is not null ? config : throw new ConfigProblemsException(problems);
    }

    private static (Config? Config, IReadOnlyList<ConfigProblem> Problems) Run(string? path, Func<Config, bool>? probeListeners)
    {
        var text = path is null ? "" : File.ReadAllText(path);
        var file = path ?? ConfigProblem.BuiltIn;
        var outline = HoconOutline.Parse(text);
        var defaults = HoconOutline.Parse(DefaultSettings.Text());
        var schema = ConfigSchema.Load();
        var found = new List<(string Key, int Line, string Message)>();
        var syntaxErrors = outline.Errors.Count;
        found.AddRange(outline.Errors.Select(e => (e.Key ?? "syntax", e.Line, e.Message)));

        Config? user = null;
        try
        {
            user = ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Akka's parser throws FormatException, ConfigurationException and, on some input, NullReferenceException;
            // said once, unless our own reading found the problem on that line already.
            var error = AkkaSyntaxError(e, text, outline);
            if (!found.Any(f => f.Line == error.Line))
            {
                found.Insert(syntaxErrors++, error);
            }
        }

        var badValues = new List<(string Path, string DefaultPath)>();
        var negativeCounts = new List<(string Key, int Line, string Message)>();
        foreach (var entry in outline.Entries.DistinctBy(e => e.Path))
        {
            var effective = outline.Find(entry.Path)!;
            if (!schema.ChecksBelow(Parent(entry.Path)))
            {
                continue;
            }

            if (effective.Substituted && effective.Text.Contains("${?", StringComparison.Ordinal))
            {
                found.Add((entry.Path, effective.Line, "an optional substitution ${?...} is not supported (Akka's HOCON library overflows its stack on one it cannot resolve): write the value"));
            }
            else if (schema.Find(entry.Path) is not { } key)
            {
                found.Add((entry.Path, entry.Line, schema.Unknown(entry.Path)));
            }
            else if (ValueChecks.Problem(effective, key.Kind) is { } problem)
            {
                // A negative count is left to the settings readers, whose range ("between 1 and 10000000") says
                // more; said here only for the counts they take as they come.
                if (key.Kind == ValueKind.Integer && problem.StartsWith(ValueChecks.Negative, StringComparison.Ordinal))
                {
                    negativeCounts.Add((entry.Path, effective.Line, problem));
                    continue;
                }

                found.Add((entry.Path, effective.Line, problem));
                if (key.DefaultPath is { } defaultPath)
                {
                    badValues.Add((entry.Path, defaultPath));
                }
            }
        }

        Config? config = null;
        if (user is not null && outline.Errors.Count == 0)
        {
            config = user.WithFallback(DefaultSettings.Load());
            var repaired = Repaired(config, badValues, defaults);
            foreach (var (section, check) in SettingsChecks.For(repaired))
            {
                try
                {
                    check();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The readers throw what Akka's getters throw on a malformed value (FormatException,
                    // ArgumentNullException, ...), besides their own StartupException and ConfigurationException.
                    var (key, message) = SettingsChecks.Locate(e, section, outline);
                    found.Add((key, 0, message));
                }
            }

            found.AddRange(ScriptChecks.Problems(repaired).Select(p => (p.Key, 0, p.Message)));
            found.AddRange(PathChecks.Problems(repaired).Select(p => (p.Key, 0, p.Message)));
            if (probeListeners?.Invoke(repaired) == true)
            {
                found.AddRange(ListenerChecks.Problems(repaired).Select(p => (p.Key, 0, p.Message)));
            }
        }

        found.AddRange(negativeCounts);

        // A syntax error per line; otherwise the first problem per key (a value check before the reader's complaint about it).
        var problems = found
            .Select((p, i) => (p.Key, p.Line, p.Message, Identity: i < syntaxErrors ? $"line {p.Line}" : p.Key))
            .DistinctBy(p => p.Identity)
            .Select(p => Place(p.Key, p.Line, p.Message, file, outline, defaults))
            .OrderBy(p => p.File == ConfigProblem.BuiltIn)
            .ThenBy(p => p.Line)
            .ToList();
        return (config, problems);
    }

    /// <summary>The problem with its file and line: the key's line in the user's file, else in the defaults, else its nearest written section's.</summary>
    private static ConfigProblem Place(string key, int line, string message, string file, HoconOutline outline, HoconOutline defaults)
    {
        if (line > 0)
        {
            return new(file, line, key, message);
        }

        if (outline.Find(key) is { } written)
        {
            return new(file, written.Line, key, message);
        }

        if (defaults.Find(key) is { } builtIn)
        {
            return new(ConfigProblem.BuiltIn, builtIn.Line, key, message);
        }

        return new(file, outline.FindNearest(key)?.Line ?? 1, key, message);
    }

    /// <summary>
    /// <paramref name="config"/> with each value already reported as wrong put back to its default, so the settings
    /// readers, which stop at a section's first problem, go on to find the others.
    /// </summary>
    private static Config Repaired(Config config, List<(string Path, string DefaultPath)> badValues, HoconOutline defaults)
    {
        var fixes = new StringBuilder();
        foreach (var bad in badValues)
        {
            if (defaults.Find(bad.DefaultPath) is { } value && bad.Path.Split('.').All(SimpleKey().IsMatch))
            {
                fixes.Append(CultureInfo.InvariantCulture, $"{bad.Path} = {defaults.Text[value.Start..value.End]}\n");
            }
        }

        return fixes.Length == 0 ? config : ConfigurationFactory.ParseString(fixes.ToString()).WithFallback(config);
    }

    /// <summary>
    /// Akka's parser gives a character position or nothing. The one form it refuses that the HOCON spec allows,
    /// <c>a { x = 1 }, b = 2</c>, is said plainly.
    /// </summary>
    private static (string Key, int Line, string Message) AkkaSyntaxError(Exception e, string text, HoconOutline outline)
    {
        var firstLine = e.Message.Split('\n')[0].Trim();
        if (PositionPattern().Match(firstLine) is { Success: true } match
            && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var position) && position <= text.Length)
        {
            var line = 1 + text.AsSpan(0, position).Count('\n');
            var before = text[..position].TrimEnd();
            if (position < text.Length && text[position] == ',' && before.EndsWith('}'))
            {
                var section = outline.Entries.LastOrDefault(en => en.Shape == ValueShape.Section && en.End == before.Length);
                return (section?.Path ?? "syntax", line, "a ',' after a section's closing '}' is not accepted (Akka's HOCON parser refuses it): start the next key on a new line");
            }

            var near = position < text.Length ? text[position..].Split('\n')[0].Trim() : "";
            var key = outline.Entries.LastOrDefault(en => en.Start <= position)?.Path ?? "syntax";
            return firstLine.StartsWith("Unknown token", StringComparison.Ordinal)
                ? (key, line, $"Akka's HOCON parser cannot read '{Shorten(near)}' here: put the value in quotes (\"...\")")
                : (key, line, $"cannot be read here ('{Shorten(near)}'): {PositionPattern().Replace(firstLine, "").TrimEnd(':', ' ')}");
        }

        return (outline.Entries.FirstOrDefault(en => en.Substituted)?.Path ?? "syntax", outline.Entries.FirstOrDefault(en => en.Substituted)?.Line ?? 1, $"cannot be read: {firstLine}");
    }

    private static string Shorten(string text) => text.Length <= 30 ? text : text[..30] + "...";

    private static string Parent(string path) => path.Contains('.') ? path[..path.LastIndexOf('.')] : "";

    [GeneratedRegex(@"\s*at position (\d+)")]
    private static partial Regex PositionPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SimpleKey();
}
