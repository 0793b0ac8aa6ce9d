using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;
using Syslogintr.Hosting.Reload;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Docs;

/// <summary>
/// The README's key tables are the configuration reference: every key of the embedded defaults (and every key
/// check-config accepts) is in one, with its default and whether <c>syslogintr reload</c> applies it; every key a
/// table names exists. A named entry's keys are documented once, as <c>syslogintr.listeners.&lt;name&gt;.KEY</c> or
/// as their <c>*-defaults</c> key.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    private static readonly string[] NamedSections = ["listeners", "files", "rules", "probes"];

    private static readonly HoconOutline Outline = HoconOutline.Parse(DefaultSettings.Text());

    [Fact]
    public void Every_key_of_the_defaults_and_of_the_schema_is_in_a_readme_key_table_with_its_default()
    {
        var documented = ReadmeKeys();
        var defaults = DefaultKeys();
        var missing = defaults.Keys.Concat(SchemaKeys(defaults.Keys)).Distinct()
            .Where(key => !Alternatives(key).Any(documented.ContainsKey))
            .Order()
            .ToList();
        Assert.True(missing.Count == 0, $"keys no README key table documents ({missing.Count}):\n  {string.Join("\n  ", missing)}");

        var wrongDefault = defaults
            .Where(d => d.Value is not null && !Alternatives(d.Key).Where(documented.ContainsKey).Any(k => documented[k].Any(row => Shows(row.Text, d.Value))))
            .Select(d => $"{d.Key}: its rows do not show its default {d.Value}")
            .Order()
            .ToList();
        Assert.True(wrongDefault.Count == 0, $"keys whose default their README row does not give ({wrongDefault.Count}):\n  {string.Join("\n  ", wrongDefault)}");
    }

    [Fact]
    public void Every_key_a_readme_table_names_exists_and_says_whether_reload_applies_it()
    {
        var documented = ReadmeKeys();
        var defaults = DefaultKeys();
        var schema = ConfigSchema.Load();
        Assert.NotEmpty(documented);
        var unknown = documented.Keys
            .Where(key => !defaults.ContainsKey(key) && !Exists(schema, key))
            .Order()
            .ToList();
        Assert.True(unknown.Count == 0, $"README keys that neither the defaults nor check-config know ({unknown.Count}):\n  {string.Join("\n  ", unknown)}");

        var wrongScope = documented
            .SelectMany(d => d.Value.Select(row => (Key: d.Key, row.Reload)))
            .Where(d => d.Reload != (ConfigKeys.IsLive(d.Key) ? "live" : "restart"))
            .Select(d => $"{d.Key}: '{d.Reload}'")
            .Distinct()
            .Order()
            .ToList();
        Assert.True(wrongScope.Count == 0, $"README keys whose 'on reload' is not what reload does ({wrongScope.Count}):\n  {string.Join("\n  ", wrongScope)}");
    }

    /// <summary>Every leaf of the embedded defaults, read by Akka's parser, in its documented form, with its default (null: an entry's example value).</summary>
    private static Dictionary<string, string?> DefaultKeys()
    {
        var keys = new Dictionary<string, string?>();
        Flatten(DefaultSettings.Load().Root, "", keys);
        return keys
            .GroupBy(k => Documented(k.Key))
            .ToDictionary(g => g.Key, g => g.Key == g.First().Key ? g.First().Value : null);
    }

    private static void Flatten(HoconValue value, string path, Dictionary<string, string?> keys)
    {
        if (value.IsObject())
        {
            foreach (var (name, child) in value.GetObject().Items)
            {
                Flatten(child, path.Length == 0 ? name : $"{path}.{name}", keys);
            }
        }
        else
        {
            // Akka's parse does not tell [] from "": the file's outline does.
            keys[path] = Outline.Find(path)?.Shape == ValueShape.List
                ? (value.GetStringList() is { Count: > 0 } list ? string.Join('\n', list) : "[]")
                : value.GetString() is { Length: > 0 } text ? text : "\"\"";
        }
    }

    /// <summary>
    /// The keys check-config accepts (its schema) that hold a value, in their documented form: not sections, not a
    /// free section the defaults fill (dispatchers: their keys are), not Akka's own sections (Akka documents them),
    /// but a rule's <c>options</c>.
    /// </summary>
    private static IEnumerable<string> SchemaKeys(IReadOnlyCollection<string> defaults)
    {
        var schema = ConfigSchema.Load();
        return schema.Paths
            .Where(p => schema.Find(p) is { Kind: not ValueKind.Section } key
                && (key.Kind != ValueKind.Free || !(p.StartsWith("akka.", StringComparison.Ordinal) || defaults.Any(d => d.StartsWith(p + ".", StringComparison.Ordinal)))))
            .Select(p => Documented(p.Replace(".*.", ".<name>.", StringComparison.Ordinal)));
    }

    /// <summary>A key as the README names it: an entry's name as <c>&lt;name&gt;</c>, a listener kind's section as <c>&lt;kind&gt;</c>.</summary>
    private static string Documented(string key)
    {
        var parts = key.Split('.');
        if (parts.Length > 3 && parts[0] == "syslogintr" && NamedSections.Contains(parts[1]))
        {
            parts[2] = "<name>";
        }

        if (parts.Length > 3 && parts[1] == "listener-defaults" && parts[2] is "udp" or "tcp" or "unix")
        {
            parts[2] = "<kind>";
        }

        return string.Join('.', parts);
    }

    /// <summary>The forms that document <paramref name="key"/>: itself, and a <c>*-defaults</c> key's entry form or the reverse.</summary>
    private static IEnumerable<string> Alternatives(string key)
    {
        yield return key;
        if (key.StartsWith("syslogintr.console.", StringComparison.Ordinal))
        {
            // The console takes a file's keys.
            yield return "syslogintr.file-defaults." + key["syslogintr.console.".Length..];
            yield return "syslogintr.files.<name>." + key["syslogintr.console.".Length..];
        }

        foreach (var section in NamedSections)
        {
            var defaults = $"syslogintr.{section[..^1]}-defaults.";
            var entry = $"syslogintr.{section}.<name>.";
            if (key.StartsWith(defaults, StringComparison.Ordinal))
            {
                yield return entry + key[defaults.Length..].Replace("<kind>.", "", StringComparison.Ordinal);
            }
            else if (key.StartsWith(entry, StringComparison.Ordinal))
            {
                yield return defaults + key[entry.Length..];
            }
        }
    }

    /// <summary>Whether check-config knows <paramref name="key"/> itself (a free section's unknown child does not count).</summary>
    private static bool Exists(ConfigSchema schema, string key)
    {
        var concrete = key.Replace("<name>", "x", StringComparison.Ordinal).Replace("<kind>", "unix", StringComparison.Ordinal);
        return schema.Find(concrete) is { } found && (found.Kind != ValueKind.Free || schema.Paths.Contains(concrete.Replace(".x.", ".*.", StringComparison.Ordinal)));
    }

    private static bool Shows(string row, string value) => value.Split('\n').All(v => row.Contains(v, StringComparison.Ordinal));

    /// <summary>
    /// Each key of the README's key tables (a table whose header starts <c>| key |</c> and has an <c>on reload</c>
    /// column) with its rows. A key cell's code spans are keys: absolute when they start with <c>syslogintr.</c> or
    /// <c>akka.</c>, else under the heading's first such span; <c>a { b, c / d }</c> is a.b, a.c and a.d.
    /// </summary>
    private static Dictionary<string, List<(string Text, string Reload)>> ReadmeKeys()
    {
        var keys = new Dictionary<string, List<(string Text, string Reload)>>();
        var prefix = "";
        var reloadColumn = -1;
        foreach (var line in File.ReadLines(Path.Combine(Repository.Root, "README.md")))
        {
            if (line.StartsWith('#'))
            {
                prefix = CodeSpan().Matches(line).Select(m => m.Groups[1].Value).FirstOrDefault(IsAbsolute) ?? "";
                reloadColumn = -1;
                continue;
            }

            var cells = line.StartsWith('|') ? line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToList() : null;
            if (cells is null)
            {
                reloadColumn = -1;
            }
            else if (cells[0] == "key")
            {
                reloadColumn = cells.IndexOf("on reload");
            }
            else if (reloadColumn >= 0 && !cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                var reload = cells.Count > reloadColumn ? cells[reloadColumn] : "";
                foreach (var key in CodeSpan().Matches(cells[0]).SelectMany(m => Expand(m.Groups[1].Value)))
                {
                    var full = IsAbsolute(key) || prefix.Length == 0 ? key : $"{prefix}.{key}";
                    if (!keys.TryGetValue(full, out var rows))
                    {
                        keys[full] = rows = [];
                    }

                    rows.Add((line, reload));
                }
            }
        }

        return keys;
    }

    private static IEnumerable<string> Expand(string span)
    {
        var open = span.IndexOf('{');
        if (open < 0)
        {
            return [span.Trim()];
        }

        var head = span[..open].Trim();
        return span[(open + 1)..span.LastIndexOf('}')].Split(',', '/').Select(k => $"{head}.{k.Trim()}");
    }

    private static bool IsAbsolute(string key) => key.StartsWith("syslogintr", StringComparison.Ordinal) || key.StartsWith("akka", StringComparison.Ordinal);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
