using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Actions;

/// <summary>The <c>syslogintr.exec</c> section.</summary>
/// <param name="MaxConcurrent">Children running at once; further requests wait in a queue.</param>
/// <param name="MaxQueued">Requests waiting beyond which new ones are dropped and counted.</param>
/// <param name="MaxTimeout">Upper bound on any request's timeout.</param>
/// <param name="OutputLimit">Characters of a child's output kept for the log.</param>
public sealed record ExecSettings(int MaxConcurrent, int MaxQueued, TimeSpan MaxTimeout, int OutputLimit)
{
    /// <summary>The shipped settings (from the embedded defaults).</summary>
    public static ExecSettings Default => From(Config.Empty);

    public static ExecSettings From(Config config)
    {
        var exec = new SettingsReader(config).Section("syslogintr.exec");
        return new(
            Positive(exec.Int("max-concurrent"), "max-concurrent"),
            Math.Max(0, exec.Int("max-queued")),
            exec.Duration("max-timeout"),
            exec.IntBytes("output-limit"));
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ConfigurationException($"'syslogintr.exec.{name}' must be at least 1, not {value}");
}
