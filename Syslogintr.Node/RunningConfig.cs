using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Reload;

namespace Syslogintr.Node;

/// <summary>
/// The settings a running node applies only at start (listeners, pipeline, cluster, http, ...), written next to
/// its pid file (<c>PIDFILE.settings</c>) so <c>check-config</c> can say which of a file's changes need a restart:
/// a reload never changes them, so what the node started with is what it runs. One <c>key TAB value</c> a line;
/// removed when the node exits.
/// </summary>
public sealed class RunningConfig : IDisposable
{
    private readonly string path;

    private RunningConfig(string path) => this.path = path;

    public static string PathFor(string pidFile) => pidFile + ".settings";

    public static RunningConfig Record(string pidFile, Config config)
    {
        var path = PathFor(pidFile);
        File.WriteAllLines(path, ConfigKeys.Leaves(DefaultSettings.Under(config))
            .Where(e => !ConfigKeys.IsLive(e.Key))
            .Select(e => $"{e.Key}\t{Escape(e.Value)}"));
        return new RunningConfig(path);
    }

    /// <summary>What the node holding <paramref name="pidFile"/> recorded; null when it recorded nothing (an older node).</summary>
    public static IReadOnlyDictionary<string, string>? Read(string pidFile)
    {
        var path = PathFor(pidFile);
        if (!File.Exists(path))
        {
            return null;
        }

        return File.ReadAllLines(path)
            .Select(l => l.Split('\t', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => Unescape(p[1]), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A node that dropped privileges may not remove what it wrote as root. Harmless: check-config reads the
            // record only while a live node holds the pid file, and every node writes its own at start.
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t");

    private static string Unescape(string value) => value.Replace("\\t", "\t").Replace("\\n", "\n").Replace("\\\\", "\\");
}
