namespace Syslogintr.Tests.Support;

/// <summary>
/// Tests that start whole cluster nodes as processes (<c>deploy/cluster-local.sh</c>): like
/// <see cref="ClusterCollection"/> they mostly wait out failure detection, so they run alongside the other tests,
/// one such cluster at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcessesCollection
{
    public const string Name = "cluster nodes as processes, one at a time";
}
