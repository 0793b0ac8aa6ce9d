using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Syslogintr.Hosting.Reload;

/// <summary>
/// A configuration as its leaves (<c>syslogintr.listeners.udp.bind</c> → <c>127.0.0.1:514</c>), to compare what a
/// node runs with a file: which sections a reload applies live, and a line for every other key that changed.
/// </summary>
public static class ConfigKeys
{
    /// <summary>
    /// The sections a reload applies live (rules, probes, alerts, mail, file and console sinks); every other key
    /// (listeners, pipeline, cluster, http, metrics, actions, akka, ...) is read once, at start.
    /// </summary>
    public static readonly IReadOnlyList<string> LiveSections =
    [
        "syslogintr.rules", "syslogintr.rule-defaults", "syslogintr.probes", "syslogintr.probe-defaults",
        "syslogintr.alerts", "syslogintr.mail", "syslogintr.files", "syslogintr.file-defaults", "syslogintr.console",
    ];

    /// <summary>Every leaf under <paramref name="path"/> (the whole configuration for ""), across the layers (a file over the defaults).</summary>
    public static IReadOnlyDictionary<string, string> Leaves(Config config, string path = "")
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(config, path, leaves);
        return leaves;
    }

    /// <summary>Keys of the live sections that stay as they were: the mail outbox and the alert state file hold what the node has not sent yet.</summary>
    public static readonly IReadOnlyList<string> KeptAtReload = ["syslogintr.mail.outbox", "syslogintr.alerts.state-file"];

    public static bool IsLive(string key) =>
        !KeptAtReload.Contains(key) && LiveSections.Any(s => key == s || key.StartsWith(s + ".", StringComparison.Ordinal));

    /// <summary>Whether <paramref name="path"/> has other leaves in <paramref name="next"/> than in <paramref name="running"/>.</summary>
    public static bool Changed(Config running, Config next, string path) => !Same(Leaves(running, path), Leaves(next, path));

    /// <summary>
    /// One line per key outside <see cref="LiveSections"/> whose value differs between what the node runs and
    /// <paramref name="next"/>: <c>syslogintr.listeners.udp.bind changed: needs a restart; still listening on 0.0.0.0:514</c>.
    /// </summary>
    public static IReadOnlyList<string> RestartNeeded(IReadOnlyDictionary<string, string> running, IReadOnlyDictionary<string, string> next, string runningWhat = "still running with")
    {
        var lines = new List<string>();
        foreach (var key in running.Keys.Union(next.Keys).Where(k => !IsLive(k)).Order(StringComparer.Ordinal))
        {
            var had = running.GetValueOrDefault(key);
            var has = next.GetValueOrDefault(key);
            if (had == has)
            {
                continue;
            }

            var what = had is null ? "added" : has is null ? "removed" : "changed";
            var still = had is null
                ? "still running without it"
                : key.StartsWith("syslogintr.listeners.", StringComparison.Ordinal) && (key.EndsWith(".bind", StringComparison.Ordinal) || key.EndsWith(".path", StringComparison.Ordinal))
                    ? $"still listening on {had}"
                    : $"{runningWhat} {had}";
            lines.Add($"{key} {what}: needs a restart; {still}");
        }

        return lines;
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);

    private static void Walk(Config config, string path, SortedDictionary<string, string> leaves)
    {
        var value = path.Length == 0 ? null : config.GetValue(path);
        if (value is not null && !value.IsObject())
        {
            leaves[path] = value.IsArray() ? "[" + string.Join(", ", value.GetArray().Select(Text)) + "]" : Text(value);
            return;
        }

        // An object's keys are the union of every layer's: a file's object hides the defaults' at the same path.
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        for (var layer = config; layer is not null; layer = layer.Fallback)
        {
            if (layer.Root is null)
            {
                continue;
            }

            var own = new Config(new HoconRoot(layer.Root));
            var node = path.Length == 0 ? own.Root : own.GetValue(path);
            if (node is not null && node.IsObject())
            {
                keys.UnionWith(node.GetObject().Items.Keys);
            }
        }

        foreach (var key in keys)
        {
            Walk(config, path.Length == 0 ? key : $"{path}.{key}", leaves);
        }
    }

    private static string Text(HoconValue value) => value.IsObject() ? value.ToString() : value.IsArray() ? value.ToString() : value.GetString() ?? "";
}
