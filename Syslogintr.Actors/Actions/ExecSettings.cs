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
    public static readonly ExecSettings Default = new(4, 100, TimeSpan.FromMinutes(5), 4096);

    public static ExecSettings From(Config config) => new(
        Positive(config.GetInt("syslogintr.exec.max-concurrent", Default.MaxConcurrent), "max-concurrent"),
        Math.Max(0, config.GetInt("syslogintr.exec.max-queued", Default.MaxQueued)),
        config.GetTimeSpan("syslogintr.exec.max-timeout", Default.MaxTimeout),
        config.GetIntByteSize("syslogintr.exec.output-limit", Default.OutputLimit));

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ConfigurationException($"'syslogintr.exec.{name}' must be at least 1, not {value}");
}
