using Akka.Configuration;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;

namespace Syslogintr.Rules;

/// <summary>
/// A rule's <c>match { facility, severity, program, host }</c>, checked in C# by the router before any Lua runs.
/// Every given field must accept the message; within a field, any listed value will do.
/// </summary>
public sealed class RuleMatch : IMessageFilter
{
    private readonly bool[]? facilities;
    private readonly bool[]? severities;
    private readonly HashSet<string>? programs;
    private readonly string[]? programPrefixes;
    private readonly HashSet<string>? hosts;

    private RuleMatch(bool[]? facilities, bool[]? severities, IReadOnlyList<string>? programs, IReadOnlyList<string>? hosts)
    {
        this.facilities = facilities;
        this.severities = severities;
        if (programs is not null)
        {
            this.programs = [.. programs.Where(p => !p.EndsWith('*'))];
            programPrefixes = [.. programs.Where(p => p.EndsWith('*')).Select(p => p[..^1])];
        }

        this.hosts = hosts is null ? null : new HashSet<string>(hosts, StringComparer.OrdinalIgnoreCase);
    }

    public bool Accepts(SyslogMessage message)
    {
        if (facilities is not null && !facilities[(int)message.Facility])
        {
            return false;
        }

        if (severities is not null && !severities[(int)message.Severity])
        {
            return false;
        }

        if (programs is not null)
        {
            var program = LuaMessageFields.Program(message);
            if (!programs.Contains(program) && !Array.Exists(programPrefixes!, p => program.StartsWith(p, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return hosts is null || hosts.Contains(LuaMessageFields.Host(message));
    }

    /// <summary>
    /// <c>facility</c>: names (the original's or the usual ones); <c>severity</c>: <c>"info+"</c> (info or more
    /// severe), a name, or a list of names; <c>program</c>: names, a trailing <c>*</c> matching a prefix;
    /// <c>host</c>: values of the Lua <c>host</c> field. Each may be one string or a list.
    /// </summary>
    public static RuleMatch From(string rule, Config match)
    {
        bool[]? facilities = null;
        if (match.HasPath("facility"))
        {
            facilities = new bool[24];
            foreach (var name in StringOrList(match, "facility"))
            {
                facilities[(int)(LuaNames.TryParseFacility(name, out var f) ? f : throw Bad(rule, "facility", name))] = true;
            }
        }

        bool[]? severities = null;
        if (match.HasPath("severity"))
        {
            severities = new bool[8];
            foreach (var name in StringOrList(match, "severity"))
            {
                var orWorse = name.EndsWith('+');
                var text = orWorse ? name[..^1] : name;
                var s = LuaNames.TryParseLevel(text, out var level) ? level : throw Bad(rule, "severity", name);
                for (var i = orWorse ? 0 : (int)s; i <= (int)s; i++)
                {
                    severities[i] = true;
                }
            }
        }

        return new RuleMatch(
            facilities,
            severities,
            match.HasPath("program") ? StringOrList(match, "program") : null,
            match.HasPath("host") ? StringOrList(match, "host") : null);
    }

    private static IReadOnlyList<string> StringOrList(Config config, string path) =>
        config.GetValue(path).IsArray() ? [.. config.GetStringList(path)] : [config.GetString(path)];

    private static ConfigurationException Bad(string rule, string field, string value) =>
        new($"rule '{rule}': match.{field} '{value}' is not a known name");
}
