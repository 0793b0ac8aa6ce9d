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

    /// <summary>Every enabled entry of <c>syslogintr.files</c>, each over <c>syslogintr.file-defaults</c>.</summary>
    public static IReadOnlyList<FileSinkSettings> FilesFrom(Config config)
    {
        var settings = new SettingsReader(config);
        return config.NamedEntries("syslogintr.files")
            .Select(e => From(e.Name, settings.Entry(e.Config, $"syslogintr.files.{e.Name}", "syslogintr.file-defaults"), e.Config.GetString("path")))
            .ToList();
    }

    /// <summary><c>syslogintr.console</c> over <c>syslogintr.file-defaults</c>, when enabled.</summary>
    public static FileSinkSettings? ConsoleFrom(Config config)
    {
        var settings = new SettingsReader(config);
        return settings.Bool("syslogintr.console.enabled")
            ? From("console", settings.Section("syslogintr.console", "syslogintr.file-defaults"), StandardOutput)
            : null;
    }

    private static FileSinkSettings From(string name, SettingsReader c, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new StartupException($"file sink '{name}' has no path");
        }

        try
        {
            var filter = new FilterSpec
            {
                Select = c.String("select"),
                Programs = [.. c.Strings("program")],
                Hosts = [.. c.Strings("host")],
            };

            // A bad selector stops the node here, at start, rather than in the router.
            MessageFilter.Compile(filter);
            return new FileSinkSettings(
                name,
                path == StandardOutput ? path : System.IO.Path.GetFullPath(path),
                filter,
                OutputFormats.Parse(c.String("format")),
                c.Duration("flush-interval"),
                c.Bool("escape-control-characters"),
                c.IntBytes("max-pending"),
                OnLagSetting.Parse("on-lag", c.String("on-lag"), path == StandardOutput ? OnLag.Drop : OnLag.Backpressure));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new StartupException($"file sink '{name}': {e.Message}", e);
        }
    }
}
