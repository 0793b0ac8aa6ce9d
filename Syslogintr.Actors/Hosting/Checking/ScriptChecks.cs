using Akka.Configuration;
using KeraLua;
using Syslogintr.Rules;

namespace Syslogintr.Hosting.Checking;

/// <summary>Every enabled rule's script exists and compiles. Compiled in a bare Lua state and never run: checking a configuration has no side effects.</summary>
internal static partial class ScriptChecks
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

            if (CompileError(rule.ScriptPath) is { } error)
            {
                yield return (key, $"the script does not compile: {error}");
            }
        }
    }

    /// <summary>Lua's message (<c>path:LINE: sentence</c>) when <paramref name="path"/> does not compile, else null.</summary>
    public static string? CompileError(string path)
    {
        try
        {
            LuaLibrary.EnsureLoaded();
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException or DllNotFoundException)
        {
            // Nothing to compile with (a wrong SYSLOGINTR_LUA_LIBRARY): loading the rule says why.
            return null;
        }

        using var lua = new Lua(openLibs: false);
        return lua.LoadFile(path, "t") == LuaStatus.OK ? null : lua.ToString(-1, false);
    }

    /// <summary>
    /// A script-mode script (<c>syslogintr FILE.lua</c>) as one problem at the line Lua names, or none when it
    /// compiles. Compiled only: its top level, which may act, is not run.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> ScriptFile(string path)
    {
        if (!File.Exists(path))
        {
            return [new(path, 1, "script", "the script does not exist")];
        }

        if (CompileError(path) is not { } error)
        {
            return [];
        }

        // Lua shortens a long chunk name ("...h/x.lua:5: msg"): the line and the sentence are what follows it.
        var at = LuaLine().Match(error);
        return at.Success
            ? [new(path, int.Parse(at.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), "script", error[(at.Index + at.Length)..])]
            : [new(path, 1, "script", error)];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@":(?<line>[0-9]+): ")]
    private static partial System.Text.RegularExpressions.Regex LuaLine();
}
