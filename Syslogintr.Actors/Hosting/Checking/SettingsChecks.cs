using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Event;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Cluster;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Rules.Distributed;
using Syslogintr.Sinks;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Sinks.Relay;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// Runs the node's own settings readers, each section and each named entry on its own, so that every section's
/// first problem is found rather than only the node's first. A reader says which key is wrong in its message
/// (<see cref="SettingsException.Key"/>, or <c>rule 'x'</c>, <c>listener 'x'</c>, <c>syslogintr.probes.x</c>);
/// <see cref="Locate"/> turns that into the key and the line.
/// </summary>
internal static partial class SettingsChecks
{
    /// <summary>Each check: the section it reads (for a problem whose message names no key) and the reading.</summary>
    public static IEnumerable<(string Section, Action Check)> For(Config config)
    {
        var settings = new SettingsReader(config);
        // Akka reads these as it starts, and a bad one is a stack trace from inside Akka.Hosting.
        yield return ("akka.loglevel", () => Logging.LogLevelFor(config.GetString("akka.loglevel")));
        yield return ("akka.stdout-loglevel", () => Logging.LogLevelFor(config.GetString("akka.stdout-loglevel")));
        yield return ("syslogintr.pipeline", () => PipelineSettings.From(settings));
        yield return ("syslogintr.metrics", () => settings.Duration("syslogintr.metrics.summary-interval", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)));
        yield return ("syslogintr.memory", () => SyslogintrHosting.TrimWhenIdle(settings));
        yield return ("syslogintr.hostname", () => settings.String("syslogintr.hostname"));
        yield return ("syslogintr.files", () => FileSinkSettings.FilesFrom(config));
        yield return ("syslogintr.console", () => FileSinkSettings.ConsoleFrom(config));
        yield return ("syslogintr.relay", () => RelaySettings.From(config));
        yield return ("syslogintr.write", () => FileWriteSettings.From(config));
        yield return ("syslogintr.alerts", () => AlertsHosting.Validate(config));
        yield return ("syslogintr.ban", () => BanSettings.From(config));
        yield return ("syslogintr.exec", () => ExecSettings.From(config));
        yield return ("syslogintr.rule-defaults", () => RulesSettings.From(settings));
        yield return ("syslogintr.cluster", () => DistributedRuleSettings.From(settings));
        yield return ("syslogintr.cluster", () => ClusterSettings.From(settings));
        foreach (var (name, entry) in config.NamedEntries("syslogintr.listeners"))
        {
            yield return ($"syslogintr.listeners.{name}", () => ListenerSettings.Parse(name, entry, settings));
        }

        foreach (var (name, entry) in config.NamedEntries("syslogintr.rules"))
        {
            yield return ($"syslogintr.rules.{name}", () => RuleDefinition.From(name, entry, config, Directory.GetCurrentDirectory()));
        }

        foreach (var (name, entry) in config.NamedEntries("syslogintr.probes"))
        {
            yield return ($"syslogintr.probes.{name}", () => ProbeSettings.From(name, entry, config, Directory.GetCurrentDirectory()));
        }
    }

    /// <summary>The key <paramref name="error"/> is about (defaulting to <paramref name="section"/>), and its message without the key it starts with.</summary>
    public static (string Key, string Message) Locate(Exception error, string section, HoconOutline outline)
    {
        var message = error.Message.Split('\n')[0].Trim();
        string key;
        if (error is SettingsException settings)
        {
            key = settings.Key;
        }
        else if (EntryPattern().Match(message) is { Success: true } entry)
        {
            var kind = entry.Groups["kind"].Value;
            var name = entry.Groups["name"].Value;
            key = kind == "file sink" && name == "console" ? "syslogintr.console" : $"syslogintr.{Sections[kind]}.{name}";
        }
        else if (KeyPattern().Match(message) is { Success: true } path)
        {
            key = path.Value.TrimEnd('.');
        }
        else
        {
            key = section;
        }

        message = Strip(message, key);

        // "bind must be ...", "'port' must be 1..65535": the entry's own key, when the message starts with one the file has.
        if (LeadingWord().Match(message) is { Success: true } word && outline.Find($"{key}.{word.Groups["word"].Value}") is not null)
        {
            key = $"{key}.{word.Groups["word"].Value}";
        }

        return (key, message.Length > 0 ? message : error.Message);
    }

    private static readonly Dictionary<string, string> Sections = new()
    {
        ["rule"] = "rules",
        ["listener"] = "listeners",
        ["file sink"] = "files",
    };

    private static string Strip(string message, string key)
    {
        foreach (var prefix in new[] { $"'{key}' ", $"{key}: ", $"{key} " })
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                return message[prefix.Length..];
            }
        }

        var entry = EntryPattern().Match(message);
        return entry.Success && entry.Index == 0 ? message[entry.Length..].TrimStart(':', ' ') : message;
    }

    [GeneratedRegex(@"(?<kind>rule|listener|file sink) '(?<name>[^']+)'")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"syslogintr(\.[A-Za-z0-9_*-]+)+")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^'?(?<word>[a-z][a-z0-9-]*)'?\b")]
    private static partial Regex LeadingWord();
}
