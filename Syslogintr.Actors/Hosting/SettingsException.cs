namespace Syslogintr.Hosting;

/// <summary>
/// A setting the node cannot start with: the message names the full key and the value found. Akka's HOCON parser
/// keeps no source positions, so there is no file:line to give; the key is unique across the layered files.
/// </summary>
public sealed class SettingsException(string key, string? value, string message, Exception? inner = null)
    : StartupException(message, inner)
{
    public string Key { get; } = key;

    /// <summary>The value as written, or null when the key is missing.</summary>
    public string? Value { get; } = value;
}
