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

    public NodeMetrics Metrics { get; } = ObservingQueue(metrics, queue);

    public TimeProvider Clock { get; } = clock;

    /// <summary>HOSTNAME used for messages from local sockets, which carry none.</summary>
    public string HostName { get; } = hostName;

    /// <summary>The cluster settings; <see cref="ClusterSettings.Local"/> (every role, no remoting) for a plain node.</summary>
    public ClusterSettings Cluster { get; init; } = ClusterSettings.Local;

    /// <summary>The queue's depth is one of the node's metrics; this is the one place that holds both.</summary>
    private static NodeMetrics ObservingQueue(NodeMetrics metrics, IngestQueue queue)
    {
        metrics.ObserveQueue(() => queue.Count);
        return metrics;
    }
}
