using System.Text.RegularExpressions;

namespace Syslogintr.Hosting.Checking;

/// <summary>What a key's value must be.</summary>
internal enum ValueKind
{
    Text,
    Bool,
    Integer,
    Duration,
    Size,
    List,

    /// <summary>One string or a list of them (<c>mail.to</c>, a rule's <c>match</c> fields).</summary>
    TextOrList,
    Section,

    /// <summary>Anything below: a section of Akka's own settings, dispatchers, a rule's <c>options</c>.</summary>
    Free,
}

/// <summary>A known key: its kind, and the key of the embedded defaults its value falls back to (null: none).</summary>
internal sealed record SchemaKey(ValueKind Kind, string? DefaultPath);

/// <summary>
/// Every key a configuration may hold: the keys of the embedded <c>syslogintr.conf</c>, and for the named sections
/// (<c>listeners</c>, <c>files</c>, <c>rules</c>, <c>probes</c>; the name is the user's) the keys of their
/// <c>*-defaults</c> section plus the few only an entry has (a listener's <c>kind</c> and <c>bind</c>, a rule's
/// <c>script</c>...), as the settings readers take them. A named entry is written <c>*</c> here.
/// </summary>
internal sealed partial class ConfigSchema
{
    private const string Root = "syslogintr";

    private static readonly string[] NamedSections = ["listeners", "files", "rules", "probes"];

    private readonly Dictionary<string, SchemaKey> keys = [];

    private ConfigSchema(HoconOutline defaults)
    {
        foreach (var entry in defaults.Entries.Where(e => !IsNamedEntry(e.Path)))
        {
            keys[entry.Path] = new(KindOf(entry), entry.Path);
        }

        foreach (var section in NamedSections)
        {
            keys[$"{Root}.{section}.*"] = new(ValueKind.Section, null);
        }

        // The same keys as the settings readers: SettingsReader.Entry layers an entry over these sections.
        CopyUnder($"{Root}.listener-defaults", $"{Root}.listeners.*", except: ["udp", "tcp", "unix"]);
        foreach (var kind in new[] { "udp", "tcp", "unix" })
        {
            CopyUnder($"{Root}.listener-defaults", $"{Root}.listener-defaults.{kind}", except: ["udp", "tcp", "unix", "tls"]);
        }

        Add($"{Root}.listeners.*", ValueKind.Text, "kind", "bind", "path");
        Add($"{Root}.listeners.*.tls", ValueKind.Text, "certificate", "key", "password-env", "client-ca");
        CopyUnder($"{Root}.file-defaults", $"{Root}.files.*");
        CopyUnder($"{Root}.file-defaults", $"{Root}.console");
        Add($"{Root}.files.*", ValueKind.Text, "path");
        CopyUnder($"{Root}.rule-defaults", $"{Root}.rules.*");
        Add($"{Root}.rules.*", ValueKind.Text, "script");
        Add($"{Root}.rules.*", ValueKind.Integer, "partitions");
        Add($"{Root}.rules.*", ValueKind.Section, "match");
        Add($"{Root}.rules.*.match", ValueKind.TextOrList, "facility", "severity", "program", "host");
        Add($"{Root}.rules.*", ValueKind.Free, "options");
        CopyUnder($"{Root}.probe-defaults", $"{Root}.probes.*");
        Add($"{Root}.probes.*", ValueKind.Text, "kind", "url", "user", "password-env", "password-file", "path", "process-name", "rule", "function", "program");
        Add($"{Root}.probes.*", ValueKind.Integer, "port");
        Add($"{Root}.probes.*", ValueKind.List, "argv");
        Add($"{Root}.probes.*", ValueKind.Duration, "timeout", "jitter");
        Add($"{Root}.probe-defaults", ValueKind.Duration, "timeout", "jitter");
        Add($"{Root}.mail.smtp", ValueKind.Integer, "port");
        Add($"{Root}.mail.smtp", ValueKind.Text, "user", "password-env", "password-file");
        Add($"{Root}.http", ValueKind.Text, "user", "password-env", "password-file");
        keys[$"{Root}.mail.to"] = keys[$"{Root}.mail.to"] with { Kind = ValueKind.TextOrList };
        foreach (var section in NamedSections.Select(s => $"{Root}.{s}.*").Append($"{Root}.console"))
        {
            Add(section, ValueKind.Bool, "enabled");
        }

        keys[$"{Root}.dispatchers"] = new(ValueKind.Free, null);
        // Akka's own keys are Akka's to check, below a section Akka knows.
        keys["akka"] = new(ValueKind.Section, "akka");
        foreach (var section in AkkaSections.Names().Where(s => s is not ("loglevel" or "stdout-loglevel")))
        {
            // Akka reads these its own way (log-dead-letters is a count or on/off); the log levels the node reads too.
            keys[$"akka.{section}"] = new(ValueKind.Free, null);
        }
    }

    public static ConfigSchema Load() => new(HoconOutline.Parse(DefaultSettings.Text()));

    /// <summary>Every known key, a named entry's name written <c>*</c> (the configuration reference's test reads them).</summary>
    public IReadOnlyCollection<string> Paths => keys.Keys;

    /// <summary>The key <paramref name="path"/> names (a named entry's name read as <c>*</c>); null when unknown.</summary>
    public SchemaKey? Find(string path)
    {
        var pattern = Pattern(path);
        for (var p = pattern; p.Length > 0; p = Parent(p))
        {
            if (keys.TryGetValue(p, out var key) && (p == pattern || key.Kind == ValueKind.Free))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Whether keys below <paramref name="path"/> are checked: it is a section, and not a free one.</summary>
    public bool ChecksBelow(string path) => path.Length == 0 || Find(path) is { Kind: ValueKind.Section };

    /// <summary>A sentence for an unknown key: the nearest known name beside it, or the section it belongs in.</summary>
    public string Unknown(string path)
    {
        var parent = Parent(path);
        var name = Last(path);
        var siblings = Children(Pattern(parent)).ToList();
        var nearest = siblings.Select(s => (Name: s, Distance: Distance(name, s))).OrderBy(s => s.Distance).FirstOrDefault();
        if (nearest.Name is not null && nearest.Distance <= Math.Max(2, name.Length / 3))
        {
            return $"unknown key; did you mean '{nearest.Name}'?";
        }

        var elsewhere = keys.Keys.Where(k => Last(k) == name && !k.StartsWith("akka", StringComparison.Ordinal)).Order().ToList();
        if (elsewhere.Count > 0)
        {
            return $"unknown key here; '{name}' belongs in {string.Join(" or ", elsewhere.Select(Parent).Select(p => p.Replace("*", "NAME", StringComparison.Ordinal)))}";
        }

        return siblings.Count is > 0 and <= 16
            ? $"unknown key (known here: {string.Join(", ", siblings)})"
            : "unknown key";
    }

    private IEnumerable<string> Children(string parent) =>
        keys.Keys.Where(k => Parent(k) == parent && Last(k) != "*").Select(Last).Order();

    private void CopyUnder(string from, string to, string[]? except = null)
    {
        foreach (var (path, key) in keys.Where(k => k.Key.StartsWith(from + ".", StringComparison.Ordinal)).ToList())
        {
            var rest = path[(from.Length + 1)..];
            if (except?.Contains(rest.Split('.')[0]) != true && !keys.ContainsKey($"{to}.{rest}"))
            {
                keys[$"{to}.{rest}"] = key;
            }
        }
    }

    private void Add(string section, ValueKind kind, params string[] names)
    {
        foreach (var name in names)
        {
            keys.TryAdd($"{section}.{name}", new(kind, null));
        }
    }

    private static bool IsNamedEntry(string path) => NamedSections.Any(s => path.StartsWith($"{Root}.{s}.", StringComparison.Ordinal));

    /// <summary><paramref name="path"/> with a named entry's name replaced by <c>*</c>.</summary>
    private static string Pattern(string path)
    {
        var parts = path.Split('.');
        if (parts.Length >= 3 && parts[0] == Root && NamedSections.Contains(parts[1]))
        {
            parts[2] = "*";
        }

        return string.Join('.', parts);
    }

    private static ValueKind KindOf(OutlineEntry entry) => entry.Shape switch
    {
        ValueShape.Section => ValueKind.Section,
        ValueShape.List => ValueKind.List,
        _ when Bools.Contains(entry.Text) => ValueKind.Bool,
        _ when IntegerPattern().IsMatch(entry.Text) => ValueKind.Integer,
        _ when SizePattern().IsMatch(entry.Text) => ValueKind.Size,
        _ when DurationPattern().IsMatch(entry.Text) => ValueKind.Duration,
        _ => ValueKind.Text,
    };

    public static readonly HashSet<string> Bools = new(["true", "false", "on", "off", "yes", "no"], StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"^-?\d+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^\d+(\.\d+)?\s*([KMGT]i?B|B)$")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\d+(\.\d+)?\s*(ns|us|ms|s|m|h|d)$")]
    private static partial Regex DurationPattern();

    private static string Parent(string path) => path.Contains('.') ? path[..path.LastIndexOf('.')] : "";

    private static string Last(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>Levenshtein distance: how many letters to change, add or remove.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
