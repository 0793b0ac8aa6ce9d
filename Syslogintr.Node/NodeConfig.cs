using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;

namespace Syslogintr.Node;

/// <summary>Loads the embedded default HOCON and layers a user's file over it.</summary>
public static class NodeConfig
{
    public static Config Defaults() => DefaultSettings.Load();

    /// <summary>The defaults, with <paramref name="userFile"/> (if any) over them.</summary>
    public static Config Load(string? userFile)
    {
        var defaults = Defaults();
        if (userFile is null)
        {
            return defaults;
        }

        if (!File.Exists(userFile))
        {
            throw new FileNotFoundException($"configuration file '{userFile}' does not exist", userFile);
        }

        return ConfigurationFactory.ParseString(File.ReadAllText(userFile)).WithFallback(defaults);
    }

    /// <summary><see cref="Load"/> for the node: a file with any problem <c>check-config</c> reports is a <see cref="ConfigProblemsException"/>.</summary>
    public static Config LoadChecked(string? userFile) => userFile is not null && File.Exists(userFile) ? ConfigCheck.Load(userFile) : Load(userFile);

    /// <summary><c>--script FILE</c>: one rule named <c>script</c> running FILE on every message, over <paramref name="config"/>.</summary>
    public static Config WithScriptRule(Config config, string scriptPath) =>
        ConfigurationFactory.ParseString($"syslogintr.rules.script.script = \"{scriptPath.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"").WithFallback(config);
}
