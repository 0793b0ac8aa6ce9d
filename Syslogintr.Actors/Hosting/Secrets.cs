using Akka.Configuration;

namespace Syslogintr.Hosting;

/// <summary>
/// Passwords are never written in the HOCON (which is world-readable and ends up in bug reports): a section names
/// an environment variable (<c>password-env</c>) or a file (<c>password-file</c>) that holds it.
/// </summary>
public static class Secrets
{
    /// <summary>The secret named by <c>{prefix}-env</c> or <c>{prefix}-file</c> in <paramref name="section"/>; null when neither is set.</summary>
    public static string? Read(Config section, string where, string prefix = "password")
    {
        if (section.HasPath(prefix))
        {
            throw new ConfigurationException($"{where}: '{prefix}' may not be written in the configuration; use '{prefix}-env' or '{prefix}-file'");
        }

        var variable = Optional(section, $"{prefix}-env");
        if (!string.IsNullOrEmpty(variable))
        {
            return Environment.GetEnvironmentVariable(variable)
                ?? throw new ConfigurationException($"{where}: environment variable {variable} ({prefix}-env) is not set");
        }

        var file = Optional(section, $"{prefix}-file");
        if (!string.IsNullOrEmpty(file))
        {
            try
            {
                return File.ReadAllText(file).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{where}: cannot read {prefix}-file {file}: {e.Message}");
            }
        }

        return null;
    }

    /// <summary>Neither key has a default: absent means "not this way".</summary>
    private static string? Optional(Config section, string key) => section.HasPath(key) ? section.GetString(key) : null;
}
