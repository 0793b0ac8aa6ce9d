namespace Syslogintr.Probes;

/// <summary>
/// One health check. <see cref="RunAsync"/> is called once per scheduled run; it must honour the token (the run
/// actor cancels it at the probe's timeout) but the run actor never waits past the timeout even if it does not.
/// A target that is down is a result (<see cref="ProbeResult.Up"/> false), not an exception.
/// </summary>
public interface IProbe
{
    Task<ProbeResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>What one run found: up or down, and the text logged for it (statistics when up, the reason when down).</summary>
public sealed record ProbeResult(bool Up, string Details)
{
    public static ProbeResult Ok(string details) => new(true, details);

    public static ProbeResult Down(string details) => new(false, details);
}
