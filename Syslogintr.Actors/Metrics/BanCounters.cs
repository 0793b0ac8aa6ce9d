using System.Diagnostics.Metrics;

namespace Syslogintr.Metrics;

/// <summary>What a firewall command was run for.</summary>
public enum FirewallStep
{
    /// <summary>Preparing the chains or sets at start.</summary>
    Startup,
    Ban,

    /// <summary>Re-applying a ban from the state file at start.</summary>
    Restore,

    /// <summary>Lifting a ban that expired while the node was stopped.</summary>
    LiftStale,
    Unban,

    /// <summary>Lifting a ban early to make room (max-bans).</summary>
    Evict,
}

/// <summary>Counters of the ban actor. Written by it, read by anyone.</summary>
public sealed class BanCounters
{
    /// <summary>The histogram of <see cref="OnLearned"/>'s latencies, in seconds.</summary>
    public const string PropagationLatencyName = "syslogintr.ban.propagation_latency";

    private readonly long[] commandFailures = new long[Enum.GetValues<FirewallStep>().Length];
    private long banned;
    private long duplicates;
    private long refused;
    private long lifted;
    private long evicted;
    private long stateErrors;
    private long learned;
    private long replicationTimeouts;
    private long active;

    /// <summary>Set once by <see cref="Observe"/>: a histogram is recorded into, not observed.</summary>
    private Histogram<double>? propagationLatency;

    /// <summary>Bans imposed on a rule's request on this node (restored ones not included).</summary>
    public long Banned => Volatile.Read(ref banned);

    /// <summary>Requests for an address banned already (the ban is not extended).</summary>
    public long Duplicates => Volatile.Read(ref duplicates);

    /// <summary>Requests refused: invalid address, inside never-ban, duration not positive.</summary>
    public long Refused => Volatile.Read(ref refused);

    /// <summary>Bans lifted: expired or evicted.</summary>
    public long Lifted => Volatile.Read(ref lifted);

    /// <summary>Bans lifted early to make room for a new one (max-bans); each is in <see cref="Lifted"/> too.</summary>
    public long Evicted => Volatile.Read(ref evicted);

    /// <summary>Failures to read or write the ban list's state file.</summary>
    public long StateErrors => Volatile.Read(ref stateErrors);

    /// <summary>Bans applied here that a rule on another node decided (cluster only).</summary>
    public long Learned => Volatile.Read(ref learned);

    /// <summary>Bans decided here whose write to other nodes was not acknowledged in time; they spread by gossip instead.</summary>
    public long ReplicationTimeouts => Volatile.Read(ref replicationTimeouts);

    /// <summary>Firewall commands that failed (non-zero exit, timeout), by what they were run for.</summary>
    public long CommandFailures(FirewallStep step) => Volatile.Read(ref commandFailures[(int)step]);

    public void OnBanned() => Interlocked.Increment(ref banned);

    public void OnDuplicate() => Interlocked.Increment(ref duplicates);

    public void OnRefused() => Interlocked.Increment(ref refused);

    public void OnLifted() => Interlocked.Increment(ref lifted);

    public void OnEvicted() => Interlocked.Increment(ref evicted);

    /// <summary>A ban another node decided <paramref name="latency"/> ago (its clock against ours) is applied here.</summary>
    public void OnLearned(TimeSpan latency)
    {
        Interlocked.Increment(ref learned);
        propagationLatency?.Record(Math.Max(0, latency.TotalSeconds));
    }

    /// <summary>Bans in force on this node now.</summary>
    public long Active => Volatile.Read(ref active);

    public void SetActive(int count) => Volatile.Write(ref active, count);

    public void OnReplicationTimeout() => Interlocked.Increment(ref replicationTimeouts);

    public void OnStateError() => Interlocked.Increment(ref stateErrors);

    public void OnCommandFailed(FirewallStep step) => Interlocked.Increment(ref commandFailures[(int)step]);

    /// <summary>Publishes the counters on <paramref name="meter"/> as <c>syslogintr.ban.*</c>, and the propagation latency histogram.</summary>
    public void Observe(Meter meter)
    {
        meter.CreateObservableCounter("syslogintr.ban.banned", () => Banned, "{ban}");
        meter.CreateObservableGauge("syslogintr.ban.active", () => Active, "{ban}");
        meter.CreateObservableCounter("syslogintr.ban.duplicates", () => Duplicates, "{request}");
        meter.CreateObservableCounter("syslogintr.ban.refused", () => Refused, "{request}");
        meter.CreateObservableCounter("syslogintr.ban.lifted", () => Lifted, "{ban}");
        meter.CreateObservableCounter("syslogintr.ban.evicted", () => Evicted, "{ban}");
        meter.CreateObservableCounter("syslogintr.ban.state_errors", () => StateErrors, "{error}");
        meter.CreateObservableCounter("syslogintr.ban.learned", () => Learned, "{ban}");
        meter.CreateObservableCounter("syslogintr.ban.replication_timeouts", () => ReplicationTimeouts, "{write}");
        propagationLatency = meter.CreateHistogram<double>(
            PropagationLatencyName, "s", "From a ban's decision on another node to its application here");
        meter.CreateObservableCounter(
            "syslogintr.ban.command_failures",
            () => Enum.GetValues<FirewallStep>().Select(s => new Measurement<long>(CommandFailures(s), new KeyValuePair<string, object?>("step", s.ToString().ToLowerInvariant()))),
            "{command}");
    }
}
