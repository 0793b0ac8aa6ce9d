namespace Syslogintr.Ingest;

/// <summary>
/// The keyword names of facilities and severities as syslog.conf, rsyslog and RFC 5424 tooling use them
/// (<c>kern</c>, <c>authpriv</c>, <c>warning</c>, ...), and the aliases people also type.
/// The original syslogintr's own Lua names (<c>auth2</c>, <c>cron1</c>, <c>warn</c>) live with the Lua API.
/// </summary>
public static class SyslogNames
{
    private static readonly string[] FacilityNames =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "security", "console", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] SeverityNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    private static readonly Dictionary<string, Facility> FacilityAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kernel"] = Facility.Kern,
        ["logaudit"] = Facility.LogAudit,
        ["audit"] = Facility.LogAudit,
        ["logalert"] = Facility.LogAlert,
        ["cron2"] = Facility.Clock,
        ["solaris-cron"] = Facility.Clock,
        ["mark"] = Facility.Clock,
    };

    private static readonly Dictionary<string, Severity> SeverityAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["emergency"] = Severity.Emergency,
        ["panic"] = Severity.Emergency,
        ["critical"] = Severity.Critical,
        ["error"] = Severity.Error,
        ["warn"] = Severity.Warning,
        ["informational"] = Severity.Informational,
    };

    public static string Name(this Facility facility) => FacilityNames[(int)facility];

    public static string Name(this Severity severity) => SeverityNames[(int)severity];

    /// <summary>Accepts the keyword names, their usual aliases and the numeric codes.</summary>
    public static bool TryParseFacility(string text, out Facility facility)
    {
        var index = Array.FindIndex(FacilityNames, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            facility = (Facility)index;
            return true;
        }

        if (int.TryParse(text, out var code) && code is >= 0 and <= 23)
        {
            facility = (Facility)code;
            return true;
        }

        return FacilityAliases.TryGetValue(text, out facility);
    }

    /// <summary>Accepts the keyword names, their usual aliases and the numeric codes.</summary>
    public static bool TryParseSeverity(string text, out Severity severity)
    {
        var index = Array.FindIndex(SeverityNames, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            severity = (Severity)index;
            return true;
        }

        if (int.TryParse(text, out var code) && code is >= 0 and <= 7)
        {
            severity = (Severity)code;
            return true;
        }

        return SeverityAliases.TryGetValue(text, out severity);
    }
}
