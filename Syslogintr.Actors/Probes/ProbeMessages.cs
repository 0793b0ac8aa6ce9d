namespace Syslogintr.Probes;

/// <summary>A probe run found its target up.</summary>
public sealed record ProbeSucceeded(string Probe, string Details, DateTimeOffset At);

/// <summary>A probe run found its target down, failed, or was killed at its timeout.</summary>
public sealed record ProbeFailed(string Probe, string Reason, DateTimeOffset At);

/// <summary>Timer message: time to run the named probe.</summary>
internal sealed record ProbeDue(string Probe);
