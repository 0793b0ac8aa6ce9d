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
            if (!entry.HasPath("enabled") || entry.GetBoolean("enabled"))
            {
                yield return (name, entry);
            }
        }
    }
}
