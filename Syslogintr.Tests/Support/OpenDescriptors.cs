namespace Syslogintr.Tests.Support;

/// <summary>A process's file descriptors as Linux shows them in <c>/proc/PID/fd</c>: whether a file is really released.</summary>
public static class OpenDescriptors
{
    /// <summary>Whether this process holds a descriptor on <paramref name="path"/> (followed across a rename).</summary>
    public static bool Held(string path) => Targets("self").Contains(Path.GetFullPath(path));

    /// <summary>
    /// What each descriptor of <paramref name="process"/> (<c>self</c> or a pid) points to: a path, or a kind such as
    /// <c>anon_inode:inotify</c>.
    /// </summary>
    public static IEnumerable<string> Targets(string process)
    {
        foreach (var fd in Directory.EnumerateFiles($"/proc/{process}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                // The descriptor closed while we looked (another test's file): not one of those asked about.
                continue;
            }

            if (target is not null)
            {
                yield return target;
            }
        }
    }
}
