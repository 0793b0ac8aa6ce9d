namespace Syslogintr.Probes;

/// <summary>A probe run found its target up.</summary>
public sealed record ProbeSucceeded(string Probe, string Details, DateTimeOffset At);

/// <summary>A probe run found its target down, failed, or was killed at its timeout.</summary>
public sealed record ProbeFailed(string Probe, string Reason, DateTimeOffset At);

/// <summary>Ask the probe scheduler for each probe's last result; answered with <see cref="ProbeStates"/>.</summary>
public sealed record GetProbeStates
{
    public static readonly GetProbeStates Instance = new();
}

/// <summary>
/// A probe's last run: <paramref name="Up"/> is null before its first result; <paramref name="Since"/> is when it
/// last changed between up and down; <paramref name="Duration"/> is how long that run took.
/// </summary>
public sealed record ProbeState(string Probe, bool? Up, DateTimeOffset? Since, DateTimeOffset? At, TimeSpan? Duration, string Detail);

public sealed record ProbeStates(IReadOnlyList<ProbeState> Probes);

/// <summary>
/// A reload changed the probes (a single node): the scheduler takes them as they are now. A new or changed probe is
/// scheduled as at start (its <c>run-at-start</c>), an unchanged one keeps its schedule and last result, a removed one
/// is forgotten. A run of a changed or removed probe still going is stopped, which cancels it; a result it sent
/// before that is ignored.
/// </summary>
public sealed record ProbesChanged(IReadOnlyList<ProbeSettings> Probes);

/// <summary>Timer message: time to run the named probe.</summary>
internal sealed record ProbeDue(string Probe);
