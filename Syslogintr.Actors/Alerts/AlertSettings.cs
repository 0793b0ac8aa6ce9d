using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Alerts;

/// <summary>The <c>syslogintr.alerts</c> section.</summary>
/// <param name="GroupWindow">Alerts raised within this time of the first pending one go out in one mail.</param>
/// <param name="Repeat">A reminder is mailed while an alert stays bad, this often.</param>
/// <param name="MaxPerHour">Most mails in any hour; what is held back goes into the next mail allowed.</param>
/// <param name="StateFile">Where active alerts are kept across restarts.</param>
/// <param name="ResolveTimeout">An alert that is never cleared explicitly (a rule's) ends when not raised again for this long; zero: never.</param>
public sealed record AlertSettings(TimeSpan GroupWindow, TimeSpan Repeat, int MaxPerHour, string StateFile, TimeSpan ResolveTimeout)
{
    /// <summary>Source of the alerts probes raise; their probe clears them, so they never expire.</summary>
    public const string ProbeSourcePrefix = "probe/";

    public static AlertSettings From(Config config)
    {
        var c = new SettingsReader(config).Section("syslogintr.alerts");
        var settings = new AlertSettings(
            c.Duration("group-window"),
            c.Duration("repeat"),
            c.Int("max-per-hour"),
            c.String("state-file"),
            c.Duration("resolve-timeout"));
        if (settings.GroupWindow < TimeSpan.Zero || settings.Repeat <= TimeSpan.Zero || settings.MaxPerHour <= 0 || settings.ResolveTimeout < TimeSpan.Zero)
        {
            throw new ConfigurationException("syslogintr.alerts: group-window and resolve-timeout must be >= 0, repeat and max-per-hour > 0");
        }

        return settings;
    }
}
