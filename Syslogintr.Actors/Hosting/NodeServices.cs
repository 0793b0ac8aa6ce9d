using Syslogintr.Cluster;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;

namespace Syslogintr.Hosting;

/// <summary>
/// The per-node objects that are not actors but are shared by them: the ingest queue that every producer writes
/// into, the counters, the clock and the local host name. One per node; passed to actors through their Props.
/// </summary>
public sealed class NodeServices(IngestQueue queue, NodeMetrics metrics, TimeProvider clock, string hostName)
{
    public IngestQueue Queue { get; } = queue;

    public NodeMetrics Metrics { get; } = metrics;

    public TimeProvider Clock { get; } = clock;

    /// <summary>HOSTNAME used for messages from local sockets, which carry none.</summary>
    public string HostName { get; } = hostName;

    /// <summary>The cluster settings; <see cref="ClusterSettings.Local"/> (every role, no remoting) for a plain node.</summary>
    public ClusterSettings Cluster { get; init; } = ClusterSettings.Local;

    /// <summary>
    /// Listeners read (and accept) only while this is set: a node that drops its privileges binds its sockets first,
    /// loads its rules after, and only then reads, so the kernel holds the first messages until a rule can see them.
    /// Set from the start otherwise.
    /// </summary>
    public ManualResetEventSlim ListenersMayRead { get; } = new(initialState: true);
}
