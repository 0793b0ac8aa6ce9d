using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Checking;

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

        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(userFile));
        }
        catch (Exception e) when (e is FormatException or NullReferenceException)
        {
            // Akka's parser says only "at position N" (or nothing): say what check-config says, with lines.
            throw new ConfigProblemsException(ConfigCheck.Check(userFile, probeListeners: null));
        }
    }

    /// <summary>
    /// <see cref="Load"/> for the node: a configuration with any problem <c>check-config</c> reports is a
    /// <see cref="ConfigProblemsException"/> (a port in use too, unless a live node holds our pid file: its refusal says
    /// more, or <paramref name="ownListeners"/>: the command line replaces the file's listeners, or systemd handed us the sockets).
    /// </summary>
    public static Config LoadChecked(string? userFile, bool ownListeners = false) =>
        userFile is null || File.Exists(userFile) ? ConfigCheck.Load(userFile, config => !ownListeners && RunningNode(config, out _) is null) : Load(userFile);

    /// <summary>The pid of a live node holding <paramref name="config"/>'s pid file (<paramref name="pidFile"/>), or null.</summary>
    public static int? RunningNode(Config config, out string pidFile)
    {
        try
        {
            pidFile = PidFile.PathFrom(config);
        }
        catch (SettingsException)
        {
            pidFile = "";
            return null;
        }

        return PidFile.FindLiveNode(pidFile, out _);
    }

    /// <summary><paramref name="text"/> as a quoted HOCON string.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
