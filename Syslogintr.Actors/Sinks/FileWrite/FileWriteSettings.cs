using Akka.Configuration;
using Syslogintr.Sinks.Files;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>The <c>syslogintr.write</c> section.</summary>
/// <param name="AllowedDirectories">Full paths (with a trailing separator) under which rules may write.</param>
/// <param name="MaxOpenFiles">Files kept open at once; the least recently written is closed beyond that.</param>
/// <param name="EscapeControlCharacters">Write every control character inside a line as <c>#ooo</c>, as file sinks do; CR and LF are written as <c>#015</c>/<c>#012</c> regardless.</param>
public sealed record FileWriteSettings(IReadOnlyList<string> AllowedDirectories, TimeSpan FlushInterval, int MaxOpenFiles, bool EscapeControlCharacters)
{
    public static FileWriteSettings From(Config config)
    {
        var allowed = config.HasPath("syslogintr.write.allowed-directories")
            ? config.GetStringList("syslogintr.write.allowed-directories")
            : ["./var/log"];
        return new FileWriteSettings(
            allowed.Select(Directory).ToList(),
            config.GetTimeSpan("syslogintr.write.flush-interval", TimeSpan.FromSeconds(1)),
            config.GetInt("syslogintr.write.max-open-files", 64),
            config.GetBoolean("syslogintr.write.escape-control-characters", true));
    }

    /// <summary>A folder as <see cref="AllowedDirectories"/> holds it.</summary>
    public static string Directory(string path) => BaseDirectories.Normalize(path);

    public BaseDirectories Confinement => new(AllowedDirectories);
}
