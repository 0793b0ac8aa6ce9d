using Syslogintr.Ingest;

namespace Syslogintr.Rules;

/// <summary>
/// The original syslogintr's facility and level strings (<c>auth2</c>, <c>cron1</c>, <c>warn</c>, ...), which its
/// scripts compare against; on input every usual alias (<c>authpriv</c>, <c>warning</c>, <c>error</c>) is accepted too.
/// </summary>
public static class LuaNames
{
    private static readonly string[] Facilities =
    [
        "kernel", "user", "mail", "daemon", "auth1", "syslog", "lpr", "news", "uucp", "cron1", "auth2", "ftp", "ntp",
        "auth3", "auth4", "cron2", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] Levels = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

    public static IReadOnlyList<string> FacilityNames => Facilities;

    public static IReadOnlyList<string> LevelNames => Levels;

    public static string LuaName(this Facility facility) => Facilities[(int)facility];

    public static string LuaName(this Severity severity) => Levels[(int)severity];

    /// <summary>The original's names first, then <see cref="SyslogNames"/>' keywords and aliases (<c>auth</c>, <c>cron</c> included).</summary>
    public static bool TryParseFacility(string text, out Facility facility)
    {
        var index = Array.FindIndex(Facilities, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            facility = (Facility)index;
            return true;
        }

        return SyslogNames.TryParseFacility(text, out facility);
    }

    public static bool TryParseLevel(string text, out Severity severity)
    {
        var index = Array.FindIndex(Levels, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            severity = (Severity)index;
            return true;
        }

        return SyslogNames.TryParseSeverity(text, out severity);
    }
}
