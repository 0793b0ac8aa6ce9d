namespace Syslogintr.Tests.Support;

/// <summary>Short temp folders: unix socket paths must stay under 108 bytes.</summary>
public static class TempFolder
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "sl-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a stopping sink: the OS temp cleaner will have it.
        }
    }
}
