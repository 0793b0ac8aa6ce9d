using Syslogintr.Cluster.Wire;

namespace Syslogintr.Alerts.Replication;

/// <summary>
/// An <see cref="AlertRaised"/> or <see cref="AlertCleared"/> on its way from a node's forwarder to the alert owner,
/// numbered so the owner can confirm it.
/// </summary>
public sealed record AlertForwarded(long Seq, object Alert) : IClusterMessage;

/// <summary>The alert owner has applied the forwarded alert <paramref name="Seq"/>.</summary>
public sealed record AlertReceived(long Seq) : IClusterMessage;
