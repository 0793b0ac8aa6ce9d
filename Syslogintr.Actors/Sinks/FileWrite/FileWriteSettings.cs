using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Sinks.Files;

namespace Syslogintr.Sinks.FileWrite;

/// <summary>The <c>syslogintr.write</c> section.</summary>
/// <param name="AllowedDirectories">Full paths (with a trailing separator) under which rules may write.</param>
/// <param name="MaxOpenFiles">Files kept open at once; the least recently written is closed beyond that.</param>
/// <param name="EscapeControlCharacters">Write every control character inside a line as <c>#ooo</c>, as file sinks do; CR and LF are written as <c>#015</c>/<c>#012</c> regardless.</param>
/// <param name="CloseIdleAfter">A file that got no line for this long is closed (checked every flush); zero: never.</param>
public sealed record FileWriteSettings(IReadOnlyList<string> AllowedDirectories, TimeSpan FlushInterval, int MaxOpenFiles, bool EscapeControlCharacters, TimeSpan CloseIdleAfter)
{
    public static FileWriteSettings From(Config config)
    {
        var write = new SettingsReader(config).Section("syslogintr.write");
        return new FileWriteSettings(
            write.Strings("allowed-directories").Select(Directory).ToList(),
            write.Duration("flush-interval"),
            write.Int("max-open-files"),
            write.Bool("escape-control-characters"),
            write.Duration("close-idle-after"));
    }

    /// <summary>A folder as <see cref="AllowedDirectories"/> holds it.</summary>
    public static string Directory(string path) => BaseDirectories.Normalize(path);

    public BaseDirectories Confinement => new(AllowedDirectories);

    /// <summary><see cref="CloseIdleAfter"/> in whole flush intervals, rounded up so a file is never closed sooner; 0: never.</summary>
    public int CloseIdleAfterFlushes =>
        CloseIdleAfter <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(CloseIdleAfter / FlushInterval));
}
