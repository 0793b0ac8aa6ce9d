using Syslogintr.Hosting;

namespace Syslogintr.Cluster;

/// <summary>The <c>syslogintr.cluster</c> section, read once at start; <see cref="Enabled"/> false is a plain local node.</summary>
public sealed record ClusterSettings(
    bool Enabled,
    string HostName,
    int Port,
    string? PublicHostName,
    int PublicPort,
    IReadOnlyList<string> SeedNodes,
    IReadOnlyList<string> Roles,
    int Partitions,
    TimeSpan StableAfter,
    TimeSpan HeartbeatInterval,
    TimeSpan AcceptableHeartbeatPause,
    TimeSpan GossipInterval,
    TimeSpan NotifySubscribersInterval,
    int MaximumFrameSize)
{
    /// <summary>The role of nodes that run listeners.</summary>
    public const string IngestRole = "ingest";

    /// <summary>The role of nodes that host partitioned and singleton rules' buckets.</summary>
    public const string RulesRole = "rules";

    /// <summary>The role of nodes that may run the probe scheduler and the alert owner (with the mailer).</summary>
    public const string OpsRole = "ops";

    public static readonly IReadOnlyList<string> KnownRoles = [IngestRole, RulesRole, OpsRole];

    private const string Section = "syslogintr.cluster.";

    /// <summary>A plain local node: the embedded defaults' cluster section.</summary>
    public static ClusterSettings Local { get; } = From(new SettingsReader(Akka.Configuration.Config.Empty));

    /// <summary>A local node carries every role: it ingests, runs every rule and the probes and alerts.</summary>
    public bool Has(string role) => !Enabled || Roles.Contains(role);

    public static ClusterSettings From(SettingsReader settings)
    {
        var roles = settings.Strings(Section + "roles");
        foreach (var role in roles.Where(r => !KnownRoles.Contains(r)))
        {
            throw new SettingsException(Section + "roles", role, $"'{Section}roles' may hold {string.Join(", ", KnownRoles)}, not '{role}'");
        }

        var seeds = settings.Strings(Section + "seed-nodes");
        foreach (var seed in seeds.Where(s => !IsHostPort(s)))
        {
            throw new SettingsException(Section + "seed-nodes", seed, $"'{Section}seed-nodes' holds host:port entries, not '{seed}'");
        }

        return new ClusterSettings(
            settings.Bool(Section + "enabled"),
            settings.String(Section + "hostname"),
            settings.Int(Section + "port", 0, 65535),
            settings.Optional(Section + "public-hostname"),
            settings.Int(Section + "public-port", 0, 65535),
            seeds,
            roles,
            settings.Int(Section + "partitions", 1, 100_000),
            settings.Duration(Section + "split-brain-resolver.stable-after", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            settings.Duration(Section + "failure-detector.heartbeat-interval", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1)),
            settings.Duration(Section + "failure-detector.acceptable-heartbeat-pause", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            settings.Duration(Section + "replication.gossip-interval", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1)),
            settings.Duration(Section + "replication.notify-subscribers-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
            settings.IntBytes(Section + "maximum-frame-size"));
    }

    /// <summary>A seed as Akka addresses it: <c>akka.tcp://syslogintr@host:port</c>.</summary>
    public static string SeedAddress(string hostPort) => $"akka.tcp://{SyslogintrHosting.ActorSystemName}@{hostPort}";

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535;
    }
}
