using Akka.Configuration;
using KeraLua;
using Syslogintr.Rules;

namespace Syslogintr.Hosting.Checking;

/// <summary>Every enabled rule's script exists and compiles. Compiled in a bare Lua state and never run: checking a configuration has no side effects.</summary>
internal static class ScriptChecks
{
    /// <summary>(rule key, sentence) for each script that is missing or does not compile; a rule whose entry is wrong is the settings check's.</summary>
    public static IEnumerable<(string Key, string Message)> Problems(Config config)
    {
        foreach (var (name, entry) in config.NamedEntries("syslogintr.rules"))
        {
            RuleDefinition rule;
            try
            {
                rule = RuleDefinition.From(name, entry, config, Directory.GetCurrentDirectory());
            }
            catch (Exception e) when (e is ConfigurationException or FormatException)
            {
                continue;
            }

            var key = $"syslogintr.rules.{name}.script";
            if (!File.Exists(rule.ScriptPath))
            {
                yield return (key, $"the script {rule.ScriptPath} does not exist");
                continue;
            }

            using var lua = new Lua(openLibs: false);
            if (lua.LoadFile(rule.ScriptPath, "t") != LuaStatus.OK)
            {
                yield return (key, $"the script does not compile: {lua.ToString(-1, false)}");
            }
        }
    }
}
