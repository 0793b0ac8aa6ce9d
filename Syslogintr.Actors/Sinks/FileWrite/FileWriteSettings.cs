using Akka.Configuration;

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

    public static string Directory(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;

    /// <summary>The full path of <paramref name="path"/> when it lies inside an allowed directory (after resolving <c>..</c> and, for an existing file, a symbolic link); null otherwise.</summary>
    public string? Permit(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        if (!IsAllowed(full))
        {
            return null;
        }

        var link = new FileInfo(full).LinkTarget is null ? null : File.ResolveLinkTarget(full, returnFinalTarget: true);
        return link is null || IsAllowed(link.FullName) ? full : null;
    }

    private bool IsAllowed(string full) => AllowedDirectories.Any(d => full.StartsWith(d, StringComparison.Ordinal) && full.Length > d.Length);
}
