using Akka.Configuration;

namespace Syslogintr.Hosting;

/// <summary>
/// The embedded <c>hocon/syslogintr.conf</c>: the only place a default value lives. Every config a node starts
/// with has it layered underneath, so the settings readers require each key instead of carrying a fallback.
/// </summary>
public static class DefaultSettings
{
    /// <summary>A fresh parse each time: Akka's <see cref="Config"/> trees are not guaranteed immutable under merging.</summary>
    public static Config Load() => ConfigurationFactory.ParseString(Text());

    /// <summary>The embedded file's text, as written (the configuration check reads its keys and lines).</summary>
    public static string Text()
    {
        using var stream = typeof(DefaultSettings).Assembly.GetManifestResourceStream("syslogintr.conf")
            ?? throw new InvalidOperationException("the default configuration is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary><paramref name="config"/> over the defaults (a config that already holds them is unchanged in effect).</summary>
    public static Config Under(Config config) => config.WithFallback(Load());
}
