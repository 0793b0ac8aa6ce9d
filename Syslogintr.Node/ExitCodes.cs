using Akka.Actor;

namespace Syslogintr.Node;

/// <summary>What the executable's exit code says; a service manager acts on it (systemd: <c>Restart=on-failure</c>).</summary>
public static class ExitCodes
{
    /// <summary>Stopped on request (SIGTERM, SIGINT): drained, and on a cluster node, left the cluster gracefully.</summary>
    public const int Stopped = 0;

    /// <summary>Could not start (a pid file another node holds, a port taken after the configuration check, ...), or stopped for no known reason.</summary>
    public const int Failed = 1;

    /// <summary>A configuration that cannot be read or has a problem <c>syslogintr check-config</c> reports (a port in use too), a wrong command line.</summary>
    public const int BadConfiguration = 2;

    /// <summary>
    /// The cluster removed this node without it being asked to stop: downed by the split-brain resolver (it was
    /// unreachable too long, e.g. stopped with SIGSTOP or cut off), made to leave by another member, or it could
    /// not join. An Akka node cannot rejoin under the same identity, so it shuts itself down and exits with this;
    /// the service manager starts it again and it joins as a new member.
    /// </summary>
    public const int RemovedFromCluster = 3;

    /// <summary>The exit code for the reason the node's coordinated shutdown ran (null: it never ran).</summary>
    public static int ForShutdown(CoordinatedShutdown.Reason? reason) => reason switch
    {
        null or CoordinatedShutdown.ClrExitReason => Stopped,
        CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterLeavingReason or CoordinatedShutdown.ClusterJoinUnsuccessfulReason => RemovedFromCluster,
        _ => Failed,
    };
}
