using Akka.Configuration;

namespace Syslogintr.Rules;

/// <summary>What SIGUSR1 / <c>syslogintr reload</c> does with a rule whose script changed (<c>reload</c> in the rule's entry).</summary>
public enum RuleReload
{
    /// <summary>
    /// The original's way: the file runs again in the running state. Globals, <c>package.loaded</c> and the alarm
    /// survive; a file that does not compile changes nothing, an error at its top level keeps what ran before it.
    /// </summary>
    SameState,

    /// <summary>The file loads into a new state that replaces the old one only if it loads: every global starts over.</summary>
    Fresh,
}

/// <summary>Reads a <see cref="RuleReload"/>.</summary>
public static class RuleReloads
{
    public static RuleReload Parse(string rule, string value) => value switch
    {
        "same-state" => RuleReload.SameState,
        "fresh" => RuleReload.Fresh,
        _ => throw new ConfigurationException($"rule '{rule}': 'syslogintr.rules.{rule}.reload' must be same-state or fresh, not '{value}'"),
    };
}
