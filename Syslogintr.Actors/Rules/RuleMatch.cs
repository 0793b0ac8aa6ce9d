using Akka.Configuration;
using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Rules;

/// <summary>
/// Reads a rule's <c>match { facility, severity, program, host }</c> into the <see cref="FilterSpec"/> file sinks use
/// too, so a rule and a file given the same programs and hosts select the same messages. Every given field must
/// accept the message; within a field, any listed value will do.
/// </summary>
public static class RuleMatch
{
    /// <summary>
    /// <c>facility</c>: names (the original's or the usual ones); <c>severity</c>: <c>"info+"</c> (info or more
    /// severe), a name, or a list of names; <c>program</c>, <c>host</c>: as in <see cref="FilterSpec"/>. Each may be
    /// one string or a list.
    /// </summary>
    public static FilterSpec From(string rule, Config match)
    {
        var facilities = match.HasPath("facility")
            ? string.Join(',', StringOrList(match, "facility").Select(name =>
                (LuaNames.TryParseFacility(name, out var f) ? f : throw Bad(rule, "facility", name)).Name()))
            : "*";

        // The severity list becomes one selector part per entry: "fac.info" for "info+", "fac.=err" for "err".
        var levels = match.HasPath("severity")
            ? StringOrList(match, "severity").Select(name =>
            {
                var orWorse = name.EndsWith('+');
                var level = LuaNames.TryParseLevel(orWorse ? name[..^1] : name, out var s) ? s : throw Bad(rule, "severity", name);
                return (orWorse ? "" : "=") + level.Name();
            })
            : ["*"];

        return new FilterSpec
        {
            // An empty facility list selects nothing, as before: an empty selector.
            Select = facilities.Length == 0 ? "" : string.Join(';', levels.Select(level => $"{facilities}.{level}")),
            Programs = match.HasPath("program") ? StringOrList(match, "program") : [],
            Hosts = match.HasPath("host") ? StringOrList(match, "host") : [],
        };
    }

    private static IReadOnlyList<string> StringOrList(Config config, string path) =>
        config.GetValue(path).IsArray() ? [.. config.GetStringList(path)] : [config.GetString(path)];

    private static ConfigurationException Bad(string rule, string field, string value) =>
        new($"rule '{rule}': match.{field} '{value}' is not a known name");
}
