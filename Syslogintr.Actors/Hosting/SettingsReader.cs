using Akka.Configuration;

namespace Syslogintr.Hosting;

/// <summary>
/// The one way settings are read. The embedded <c>syslogintr.conf</c> is layered under whatever config it is
/// given, so every key is required and its default lives in that file only; every problem is a
/// <see cref="SettingsException"/> naming the full key and the value.
/// </summary>
public sealed class SettingsReader
{
    private readonly Config config;
    private readonly string prefix;

    public SettingsReader(Config config)
        : this(DefaultSettings.Under(config), "")
    {
    }

    private SettingsReader(Config config, string prefix)
    {
        this.config = config;
        this.prefix = prefix;
    }

    /// <summary>
    /// The keys under <paramref name="path"/>, read by their short names (errors still name the full key); keys it
    /// lacks are taken from <paramref name="defaultsPaths"/>, the first that has them (the console from <c>syslogintr.file-defaults</c>).
    /// </summary>
    public SettingsReader Section(string path, params string[] defaultsPaths) => Entry(Sub(path), path, defaultsPaths);

    /// <summary>
    /// <paramref name="entry"/>, one entry of a named section (the rule at <paramref name="path"/>), whose missing
    /// keys are taken from <paramref name="defaultsPaths"/>, the first that has them (<c>syslogintr.rule-defaults</c>;
    /// a unix listener's own defaults, then every listener's), read by their short names.
    /// </summary>
    public SettingsReader Entry(Config entry, string path, params string[] defaultsPaths) =>
        new(defaultsPaths.Aggregate(entry, (merged, defaults) => merged.WithFallback(Sub(defaults))), prefix + path + ".");

    public bool Has(string key) => config.HasPath(key);

    public string String(string key) => Read(key, () => config.GetString(key));

    /// <summary>A key with no default, such as a user name: null when absent or empty.</summary>
    public string? Optional(string key) => Has(key) && String(key) is { Length: > 0 } value ? value : null;

    /// <summary>A password named by <c>password-env</c> or <c>password-file</c> (see <see cref="Secrets"/>).</summary>
    public string? Secret(string where) => Secrets.Read(config, where);

    public IReadOnlyList<string> Strings(string key) => Read<IReadOnlyList<string>>(key, () => [.. config.GetStringList(key)]);

    /// <summary>One string or a list of them (<c>to = a@b</c> or <c>to = [a@b, c@d]</c>).</summary>
    public IReadOnlyList<string> StringOrList(string key) =>
        Read(key, () => config.GetValue(key).IsArray()) ? Strings(key) : [String(key)];

    public bool Bool(string key) => Read(key, () => config.GetBoolean(key));

    public TimeSpan Duration(string key) => Read(key, () => config.GetTimeSpan(key));

    public long Long(string key) => Read(key, () => config.GetLong(key));

    /// <summary>A byte size such as <c>64MiB</c>.</summary>
    public long Bytes(string key) => Read(key, () => config.GetByteSize(key))
        ?? throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' is not a byte size");

    /// <summary>A byte size that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public long Bytes(string key, long min, long max)
    {
        var size = Bytes(key);
        return size >= min && size <= max
            ? size
            : throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' must be between {min} and {max} bytes, not {size}");
    }

    /// <summary>A byte size such as <c>8MiB</c> that must fit an int.</summary>
    public int IntBytes(string key)
    {
        var size = Bytes(key);
        return size is > 0 and <= int.MaxValue
            ? (int)size
            : throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' must be between 1 byte and 2 GiB, not {size}");
    }

    /// <summary>An integer that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public int Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var value = Long(key);
        return value >= min && value <= max
            ? (int)value
            : throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' must be between {min} and {max}, not {value}");
    }

    /// <summary>A duration that must lie in [<paramref name="min"/>, <paramref name="max"/>]: anything else stops the node at start, naming the key and the range.</summary>
    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
    {
        var value = Duration(key);
        return value >= min && value <= max
            ? value
            : throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' must be between {Show(min)} and {Show(max)}, not {Show(value)}");
    }

    private Config Sub(string path) => config.HasPath(path) ? config.GetConfig(path) : Config.Empty;

    private string Full(string key) => prefix + key;

    private T Read<T>(string key, Func<T> read)
    {
        if (!config.HasPath(key))
        {
            throw new SettingsException(Full(key), null, $"'{Full(key)}' is missing, and syslogintr.conf gives no default for it");
        }

        try
        {
            return read();
        }
        // Akka's getters throw ArgumentNullException for a key with no value (`key = = 5`).
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException)
        {
            throw new SettingsException(Full(key), Raw(key), $"'{Full(key)}' is not valid: {e.Message}", e);
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
