namespace Syslogintr.Tests.Support;

/// <summary>This process's file descriptors as Linux shows them in <c>/proc/self/fd</c>: whether a file is really released.</summary>
public static class OpenDescriptors
{
    /// <summary>Whether this process holds a descriptor on <paramref name="path"/> (followed across a rename).</summary>
    public static bool Held(string path)
    {
        var full = Path.GetFullPath(path);
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == full)
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // The descriptor closed while we looked (another test's file): not the one asked about.
            }
        }

        return false;
    }
}
