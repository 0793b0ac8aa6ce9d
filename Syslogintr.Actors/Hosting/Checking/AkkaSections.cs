using System.Reflection;
using Akka.Configuration;

namespace Syslogintr.Hosting.Checking;

/// <summary>
/// The keys directly under <c>akka</c> that Akka knows: those of the reference configurations of the Akka modules
/// this node loads (core, remote, cluster, sharding, distributed data, cluster tools, coordination), read from their
/// assemblies so they follow an upgrade, and the sections of Akka modules it does not load. What is below them is
/// Akka's to check: a misspelt top-level section (<c>akka.acter</c>) is the mistake Akka ignores silently.
/// </summary>
internal static class AkkaSections
{
    /// <summary>Valid Akka sections of modules this node does not load: harmless, and not a misspelling.</summary>
    private static readonly string[] OtherModules = ["persistence", "discovery", "management", "stream", "test"];

    public static IEnumerable<string> Names()
    {
        var references = new[]
        {
            typeof(Akka.Remote.RemoteSettings).Assembly,
            typeof(Akka.Cluster.Cluster).Assembly,
            typeof(Akka.Cluster.Sharding.ClusterSharding).Assembly,
            typeof(Akka.DistributedData.DistributedData).Assembly,
            typeof(Akka.Cluster.Tools.Singleton.ClusterSingletonManager).Assembly,
            typeof(Akka.Coordination.Lease).Assembly,
        }.SelectMany(ReferenceConfigs).Prepend(ConfigurationFactory.Default());
        return references
            .Where(c => c.HasPath("akka"))
            .SelectMany(c => c.GetConfig("akka").Root.GetObject().Items.Keys)
            .Concat(OtherModules)
            .Distinct();
    }

    private static IEnumerable<Config> ReferenceConfigs(Assembly assembly)
    {
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".conf", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return ConfigurationFactory.ParseString(reader.ReadToEnd());
        }
    }
}
