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
}
