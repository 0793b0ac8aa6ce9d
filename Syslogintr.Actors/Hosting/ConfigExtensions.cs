using Akka.Configuration;

namespace Syslogintr.Hosting;

/// <summary>Small helpers for reading the named-entry sections of our HOCON (listeners, files, rules, probes).</summary>
public static class ConfigExtensions
{
    /// <summary>The child objects of <paramref name="path"/> as (name, config), in file order; empty when absent.
    /// Entries with <c>enabled = false</c> are skipped, so a user's file can switch off an inherited default.</summary>
    public static IEnumerable<(string Name, Config Config)> NamedEntries(this Config config, string path)
    {
        if (!config.HasPath(path))
        {
            yield break;
        }

        var section = config.GetConfig(path);
        foreach (var name in section.Root.GetObject().Items.Keys)
        {
            var entry = section.GetConfig(name);
            if (entry.GetBoolean("enabled", true))
            {
                yield return (name, entry);
            }
        }
    }

    /// <summary>A byte size such as <c>8MiB</c> that must fit an int.</summary>
    public static int GetIntByteSize(this Config config, string path, int fallback)
    {
        if (!config.HasPath(path))
        {
            return fallback;
        }

        var size = config.GetByteSize(path) ?? fallback;
        return size is > 0 and <= int.MaxValue
            ? (int)size
            : throw new ConfigurationException($"'{path}' must be between 1 byte and 2 GiB, not {size}");
    }

    /// <summary>An integer setting that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public static int GetIntInRange(this Config config, string path, int fallback, int min, int max)
    {
        var value = Read(path, () => config.HasPath(path) ? config.GetLong(path) : fallback);
        return value >= min && value <= max
            ? (int)value
            : throw new StartupException($"'{path}' must be between {min} and {max}, not {value}");
    }

    /// <summary>A duration setting that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public static TimeSpan GetTimeSpanInRange(this Config config, string path, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var value = Read(path, () => config.GetTimeSpan(path, fallback));
        return value >= min && value <= max
            ? value
            : throw new StartupException($"'{path}' must be between {Show(min)} and {Show(max)}, not {Show(value)}");
    }

    private static T Read<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            throw new StartupException($"'{path}' is not valid: {e.Message}", e);
        }
    }

    private static string Show(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.###}s" : $"{t.TotalMilliseconds:0.###}ms";
}
