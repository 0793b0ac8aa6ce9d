using Syslogintr.Hosting;

namespace Syslogintr.Rules;

/// <summary>The node-wide keys of <c>syslogintr.rule-defaults</c> that govern starting and supervising workers, read once at start.</summary>
public sealed record RulesSettings(TimeSpan StartupTimeout, int MaxConsecutiveErrors)
{
    private const string Section = "syslogintr.rule-defaults.";

    public static RulesSettings From(SettingsReader settings) => new(
        settings.Duration(Section + "startup-timeout"),
        settings.Int(Section + "max-consecutive-errors"));
}
