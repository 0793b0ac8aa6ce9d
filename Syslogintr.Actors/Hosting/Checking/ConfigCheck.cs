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

    /// <summary>The syntax error of a script-mode script (<c>syslogintr FILE.lua</c>) at its line, or none; the script is compiled, never run.</summary>
    public static IReadOnlyList<ConfigProblem> CheckScript(string path) => ScriptChecks.ScriptFile(path);

    /// <summary>What the node starts with: <paramref name="file"/> (null: none) over the defaults; a <see cref="ConfigProblemsException"/> when it has any problem.</summary>
    public static Config Load(string? file, Func<Config, bool>? probeListeners)
    {
        var (config, problems) = Run(file, probeListeners);
        return problems.Count == 0 && config is not null ? config : throw new ConfigProblemsException(problems);
    }

    private static (Config? Config, IReadOnlyList<ConfigProblem> Problems) Run(string? path, Func<Config, bool>? probeListeners)
    {
        var text = path is null ? "" : File.ReadAllText(path);
        var outline = HoconOutline.Parse(text);
        var defaults = HoconOutline.Parse(DefaultSettings.Text());
        var syntax = SyntaxProblems(text, outline, out var user);
        var (keys, badValues, negativeCounts) = KeyProblems(outline, ConfigSchema.Load());
        Config? config = null;
        var settings = new List<Finding>();
        if (user is not null && outline.Errors.Count == 0)
        {
            config = user.WithFallback(DefaultSettings.Load());
            settings = SettingsProblems(Repaired(config, badValues, defaults), outline, probeListeners);
        }

        // A syntax error per line; otherwise the first problem per key: a value check before the reader's complaint
        // about the same value, a reader's range before our "must not be negative".
        var file = path ?? ConfigProblem.BuiltIn;
        var problems = syntax.Select(p => (Finding: p, Identity: $"line {p.Line}"))
            .Concat(keys.Concat(settings).Concat(negativeCounts).Select(p => (Finding: p, Identity: p.Key)))
            .DistinctBy(p => p.Identity)
            .Select(p => Place(p.Finding, file, outline, defaults))
            .OrderBy(p => p.File == ConfigProblem.BuiltIn)
            .ThenBy(p => p.Line)
            .ToList();
        return (config, problems);
    }

    /// <summary>Our reading's syntax errors, and Akka's refusal unless we found one on its line already; <paramref name="user"/>: Akka's parse, null when it refused.</summary>
    private static List<Finding> SyntaxProblems(string text, HoconOutline outline, out Config? user)
    {
        var found = outline.Errors.Select(e => new Finding(e.Key ?? "syntax", e.Line, e.Message)).ToList();
        try
        {
            user = ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Akka's parser throws FormatException, ConfigurationException and, on some input, NullReferenceException.
            user = null;
            var error = AkkaSyntaxError(e, text, outline);
            if (!found.Any(f => f.Line == error.Line))
            {
                found.Add(error);
            }
        }

        return found;
    }

    /// <summary>
    /// Unknown keys and values of the wrong kind; the keys whose value is wrong (to be put back to their default
    /// for the settings readers), and negative counts, said only if no reader says more.
    /// </summary>
    private static (List<Finding> Found, List<(string Path, string DefaultPath)> BadValues, List<Finding> NegativeCounts) KeyProblems(HoconOutline outline, ConfigSchema schema)
    {
        var found = new List<Finding>();
        var badValues = new List<(string Path, string DefaultPath)>();
        var negativeCounts = new List<Finding>();
        foreach (var path in outline.Entries.Select(e => e.Path).Distinct())
        {
            // The entry HOCON keeps is the last one written; a key below an unknown key or a value is not checked.
            var entry = outline.Find(path)!;
            if (path.IndexOf('"', StringComparison.Ordinal) is var quote and >= 0)
            {
                // "a.b" = 1 is one key named a.b (Akka keeps it so), which no reader asks for: said once, where it is written.
                var within = quote == 0 ? "" : path[..(quote - 1)];
                if (path.IndexOf('"', quote + 1) == path.Length - 1 && schema.ChecksBelow(within))
                {
                    var name = path[(quote + 1)..^1];
                    found.Add(new(path, entry.Line, $"a quoted key is one name: Akka reads \"{name}\" as a single key with a dot in it, not as {(within.Length == 0 ? "" : within + ".")}{name}, so the node ignores it: write it without the quotes"));
                }

                continue;
            }

            if (!schema.ChecksBelow(Parent(path)))
            {
                continue;
            }

            if (entry.Substituted && entry.Text.Contains("${?", StringComparison.Ordinal))
            {
                found.Add(new(path, entry.Line, "an optional substitution ${?...} is not supported (Akka's HOCON library overflows its stack on one it cannot resolve): write the value"));
            }
            else if (schema.Find(path) is not { } key)
            {
                found.Add(new(path, outline.Entries.First(e => e.Path == path).Line, schema.Unknown(path)));
            }
            else if (ValueChecks.Problem(entry, key.Kind) is { } problem)
            {
                if (key.Kind == ValueKind.Integer && problem.StartsWith(ValueChecks.Negative, StringComparison.Ordinal))
                {
                    negativeCounts.Add(new(path, entry.Line, problem));
                    continue;
                }

                found.Add(new(path, entry.Line, problem));
                if (key.DefaultPath is { } defaultPath)
                {
                    badValues.Add((path, defaultPath));
                }
            }
        }

        return (found, badValues, negativeCounts);
    }

    /// <summary>What the node's settings readers refuse, scripts, paths and (when asked) listener addresses; line 0: placed by key.</summary>
    private static List<Finding> SettingsProblems(Config repaired, HoconOutline outline, Func<Config, bool>? probeListeners)
    {
        var found = new List<Finding>();
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
                found.Add(new(key, 0, message));
            }
        }

        found.AddRange(ScriptChecks.Problems(repaired).Select(p => new Finding(p.Key, 0, p.Message)));
        found.AddRange(PathChecks.Problems(repaired).Select(p => new Finding(p.Key, 0, p.Message)));
        if (probeListeners?.Invoke(repaired) == true)
        {
            found.AddRange(ListenerChecks.Problems(repaired).Select(p => new Finding(p.Key, 0, p.Message)));
        }

        return found;
    }

    /// <summary>The problem with its file and line: the key's line in the user's file, else in the defaults, else its nearest written section's.</summary>
    private static ConfigProblem Place(Finding finding, string file, HoconOutline outline, HoconOutline defaults)
    {
        var (key, line, message) = finding;
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
    private static Finding AkkaSyntaxError(Exception e, string text, HoconOutline outline)
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
                return new(section?.Path ?? "syntax", line, "a ',' after a section's closing '}' is not accepted (Akka's HOCON parser refuses it): start the next key on a new line");
            }

            var near = position < text.Length ? text[position..].Split('\n')[0].Trim() : "";
            var key = outline.Entries.LastOrDefault(en => en.Start <= position)?.Path ?? "syntax";
            return firstLine.StartsWith("Unknown token", StringComparison.Ordinal)
                ? new(key, line, $"Akka's HOCON parser cannot read '{Shorten(near)}' here: put the value in quotes (\"...\")")
                : new(key, line, $"cannot be read here ('{Shorten(near)}'): {PositionPattern().Replace(firstLine, "").TrimEnd(':', ' ')}");
        }

        // No position (an unresolved substitution, an 'include'): the first substitution is the likely culprit.
        var substituted = outline.Entries.FirstOrDefault(en => en.Substituted);
        return new(substituted?.Path ?? "syntax", substituted?.Line ?? 1, $"cannot be read: {firstLine}");
    }

    /// <summary>A problem before it is placed: line 0 means "where the key is written".</summary>
    private sealed record Finding(string Key, int Line, string Message);

    private static string Shorten(string text) => text.Length <= 30 ? text : text[..30] + "...";

    private static string Parent(string path) => path.Contains('.') ? path[..path.LastIndexOf('.')] : "";

    [GeneratedRegex(@"\s*at position (\d+)")]
    private static partial Regex PositionPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SimpleKey();
}
