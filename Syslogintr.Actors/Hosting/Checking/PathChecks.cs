using Akka.Configuration;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// The paths the node writes (pid file, file sinks, state files, outbox, unix sockets) can be created where they are
/// meant to be, and the files it reads at start (TLS certificates, keys, client CAs) exist: checked without creating
/// anything. Relative paths are relative to the working directory, as the node reads them.
/// </summary>
internal static class PathChecks
{
    /// <summary>(key, sentence) for each path that cannot work.</summary>
    public static IEnumerable<(string Key, string Message)> Problems(Config config)
    {
        var written = new List<string> { "syslogintr.pid-file", "syslogintr.ban.state-file", "syslogintr.alerts.state-file" };
        written.AddRange(config.NamedEntries("syslogintr.files").Select(e => $"syslogintr.files.{e.Name}.path"));
        written.AddRange(config.NamedEntries("syslogintr.listeners")
            .Where(e => e.Config.HasPath("kind") && e.Config.GetString("kind") == "unix")
            .Select(e => $"syslogintr.listeners.{e.Name}.path"));
        foreach (var key in written)
        {
            if (Text(config, key) is { } path && CannotCreate(Path.GetDirectoryName(Path.GetFullPath(path))) is { } problem)
            {
                yield return (key, problem);
            }
        }

        if (Text(config, "syslogintr.mail.outbox") is { } outbox && CannotCreate(Path.GetFullPath(outbox)) is { } outboxProblem)
        {
            yield return ("syslogintr.mail.outbox", outboxProblem);
        }

        foreach (var (name, entry) in config.NamedEntries("syslogintr.listeners").Where(e => e.Config.HasPath("tls")))
        {
            foreach (var file in new[] { "certificate", "key", "client-ca" })
            {
                var key = $"syslogintr.listeners.{name}.tls.{file}";
                if (Text(config, key) is { Length: > 0 } path && !File.Exists(Path.GetFullPath(path)))
                {
                    yield return (key, $"the file {Path.GetFullPath(path)} does not exist");
                }
            }
        }
    }

    /// <summary>Why the folder <paramref name="folder"/> can neither be used nor created, or null.</summary>
    private static string? CannotCreate(string? folder)
    {
        for (var existing = folder; existing is not null; existing = Path.GetDirectoryName(existing))
        {
            if (Directory.Exists(existing))
            {
                return null;
            }

            if (Path.Exists(existing))
            {
                return $"{existing} is a file, not a folder: {folder} cannot be created";
            }
        }

        return null;
    }

    private static string? Text(Config config, string key)
    {
        try
        {
            return config.HasPath(key) ? config.GetString(key) : null;
        }
        catch (Exception e) when (e is FormatException or ConfigurationException)
        {
            return null;
        }
    }
}
