using Akka.Configuration;

namespace Syslogintr.Node;

/// <summary>
/// The node's pid file (<c>syslogintr.pid-file</c>), so <c>syslogintr reload</c> can find the node to signal.
/// Written at start, removed at exit.
/// </summary>
public sealed class PidFile : IDisposable
{
    private PidFile(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static string PathFrom(Config config) => System.IO.Path.GetFullPath(config.GetString("syslogintr.pid-file", "./run/syslogintr.pid"));

    public static PidFile Write(Config config)
    {
        var path = PathFrom(config);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Environment.ProcessId + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Hosting.StartupException($"cannot write the pid file {path}: {e.Message}", e);
        }

        return new PidFile(path);
    }

    public void Dispose()
    {
        if (File.Exists(Path) && File.ReadAllText(Path).Trim() == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            File.Delete(Path);
        }
    }
}
