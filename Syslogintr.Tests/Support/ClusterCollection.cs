namespace Syslogintr.Tests.Support;

/// <summary>
/// Tests that form a cluster in this process. They spend most of their time waiting out real failure detection
/// and downing (seconds of heartbeats and stable-after), not on a core, so they run alongside the other parallel
/// tests instead of after them; one cluster at a time, so two clusters' gossip never competes for the cores. A
/// cluster test that measures how long a sender is blocked belongs in <see cref="SerialCollection"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection
{
    public const string Name = "clusters in this process, one at a time";
}
