using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Node;

/// <summary>Loads the embedded default HOCON and layers a user's file over it.</summary>
public static class NodeConfig
{
    public static Config Defaults() => DefaultSettings.Load();

    /// <summary>The defaults, with <paramref name="userFile"/> (if any) over them.</summary>
    public static Config Load(string? userFile) => userFile is null ? Defaults() : LoadUser(userFile).WithFallback(Defaults());

    /// <summary>The user's file alone (empty without one), for what depends on whether the user set a key.</summary>
    public static Config LoadUser(string? userFile)
    {
        if (userFile is null)
        {
            return Config.Empty;
        }

        if (!File.Exists(userFile))
        {
            throw new FileNotFoundException($"configuration file '{userFile}' does not exist", userFile);
        }

        return ConfigurationFactory.ParseString(File.ReadAllText(userFile));
    }

    /// <summary><c>--script FILE</c>: one rule named <c>script</c> running FILE on every message, over <paramref name="config"/>.</summary>
    public static Config WithScriptRule(Config config, string scriptPath) =>
        ConfigurationFactory.ParseString($"syslogintr.rules.script.script = {Quote(scriptPath)}").WithFallback(config);

    /// <summary><paramref name="text"/> as a quoted HOCON string.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
