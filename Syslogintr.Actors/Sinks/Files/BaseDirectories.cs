namespace Syslogintr.Sinks.Files;

/// <summary>The folders a templated path must lie inside: rules choose the path, so it is confined.</summary>
/// <param name="Directories">Full paths, each with a trailing separator (<see cref="Normalize"/>).</param>
public sealed record BaseDirectories(IReadOnlyList<string> Directories)
{
    public static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;

    /// <summary>The full path of <paramref name="path"/> when it lies inside a base directory (after resolving <c>..</c> and, for an existing file, a symbolic link); null otherwise.</summary>
    public string? Permit(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        if (!Contains(full))
        {
            return null;
        }

        var link = new FileInfo(full).LinkTarget is null ? null : File.ResolveLinkTarget(full, returnFinalTarget: true);
        return link is null || Contains(link.FullName) ? full : null;
    }

    public override string ToString() => string.Join(", ", Directories);

    private bool Contains(string full) => Directories.Any(d => full.StartsWith(d, StringComparison.Ordinal) && full.Length > d.Length);
}
