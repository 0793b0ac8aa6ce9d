using Akka.Configuration;

namespace Syslogintr.Hosting;

/// <summary>
/// The one way settings are read: every key is required (its default comes from the embedded
/// <c>syslogintr.conf</c>, layered under every config by <see cref="DefaultSettings"/>), and every problem is a
/// <see cref="SettingsException"/> naming the key and the value.
/// </summary>
public sealed class SettingsReader(Config config)
{
    public string String(string key) => Read(key, () => config.GetString(key));

    public bool Bool(string key) => Read(key, () => config.GetBoolean(key));

    public TimeSpan Duration(string key) => Read(key, () => config.GetTimeSpan(key));

    /// <summary>An integer that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public int Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var value = Read(key, () => config.GetLong(key));
        return value >= min && value <= max
            ? (int)value
            : throw new SettingsException(key, value.ToString(), $"'{key}' must be between {min} and {max}, not {value}");
    }

    /// <summary>A duration that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
    {
        var value = Duration(key);
        return value >= min && value <= max
            ? value
            : throw new SettingsException(key, Show(value), $"'{key}' must be between {Show(min)} and {Show(max)}, not {Show(value)}");
    }

    private T Read<T>(string key, Func<T> read)
    {
        if (!config.HasPath(key))
        {
            throw new SettingsException(key, null, $"'{key}' is missing, and syslogintr.conf gives no default for it");
        }

        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            throw new SettingsException(key, Raw(key), $"'{key}' is not valid: {e.Message}", e);
        }
    }

    private string? Raw(string key)
    {
        try
        {
            return config.GetValue(key)?.ToString();
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    private static string Show(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.###}s" : $"{t.TotalMilliseconds:0.###}ms";
}
