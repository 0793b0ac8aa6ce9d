using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Sinks;

/// <summary>
/// One <c>syslogintr.files.&lt;name&gt;</c> entry, or the console sink (<see cref="Path"/> = "-"). <see cref="OnLag"/>:
/// a file falling behind slows TCP senders by default rather than losing messages; the console drops by default.
/// </summary>
public sealed record FileSinkSettings(
    string Name,
    string Path,
    FilterSpec Filter,
    OutputFormat Format,
    TimeSpan FlushInterval,
    bool EscapeControlCharacters,
    int MaxPendingBytes,
    OnLag OnLag)
{
    public const string StandardOutput = "-";

    public bool IsConsole => Path == StandardOutput;

    public static IReadOnlyList<FileSinkSettings> FilesFrom(Config config) =>
        config.NamedEntries("syslogintr.files").Select(e => From(e.Name, e.Config, e.Config.GetString("path"))).ToList();

    public static FileSinkSettings? ConsoleFrom(Config config) =>
        config.HasPath("syslogintr.console") && config.GetBoolean("syslogintr.console.enabled", false)
            ? From("console", config.GetConfig("syslogintr.console"), StandardOutput)
            : null;

    private static FileSinkSettings From(string name, Config c, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new StartupException($"file sink '{name}' has no path");
        }

        try
        {
            var filter = new FilterSpec
            {
                Select = c.GetString("select", "*.*"),
                Programs = [.. c.GetStringList("program") ?? []],
                Hosts = [.. c.GetStringList("host") ?? []],
            };

            // A bad selector stops the node here, at start, rather than in the router.
            MessageFilter.Compile(filter);
            return new FileSinkSettings(
                name,
                path == StandardOutput ? path : System.IO.Path.GetFullPath(path),
                filter,
                OutputFormats.Parse(c.GetString("format", "traditional")),
                c.GetTimeSpan("flush-interval", TimeSpan.FromSeconds(1)),
                c.GetBoolean("escape-control-characters", true),
                c.GetIntByteSize("max-pending", 64 * 1024 * 1024),
                OnLagSetting.Parse("on-lag", c.GetString("on-lag", ""), path == StandardOutput ? OnLag.Drop : OnLag.Backpressure));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new StartupException($"file sink '{name}': {e.Message}", e);
        }
    }
}
