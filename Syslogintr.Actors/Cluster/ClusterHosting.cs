using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Syslogintr.Cluster.Wire;

namespace Syslogintr.Cluster;

/// <summary>
/// Turns a node into a cluster member when <c>syslogintr.cluster.enabled</c> is on: remoting, membership with the
/// seeds, the split-brain resolver, replicated data and sharding settings, and our wire format. Off, nothing here
/// runs and the node opens no remoting port.
/// </summary>
public static class ClusterHosting
{
    public static AkkaConfigurationBuilder WithSyslogintrCluster(this AkkaConfigurationBuilder builder, ClusterSettings cluster)
    {
        if (!cluster.Enabled)
        {
            return builder;
        }

        return builder
            .WithRemoting(new RemoteOptions
            {
                HostName = cluster.HostName,
                Port = cluster.Port,
                PublicHostName = cluster.PublicHostName,
                PublicPort = cluster.PublicPort == 0 ? null : cluster.PublicPort,
                MaxFrameSize = cluster.MaximumFrameSize,
                SendBufferSize = cluster.MaximumFrameSize,
                ReceiveBufferSize = cluster.MaximumFrameSize,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = [.. cluster.Roles],
                SeedNodes = [.. cluster.SeedNodes.Select(ClusterSettings.SeedAddress)],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .AddHocon(Settings(cluster), HoconAddMode.Prepend);
    }

    /// <summary>What the hosting options do not cover; each value chosen for a reason given in the embedded defaults.</summary>
    private static Config Settings(ClusterSettings cluster) => ConfigurationFactory.ParseString($$"""
        akka.cluster {
          split-brain-resolver.stable-after = {{Ms(cluster.StableAfter)}}
          # Off would make a singleton wait a second stable-after after the downing (45.9 s instead of ~16 s after a
          # kill -9); downing already waited stable-after, so the margin is that and no more.
          down-removal-margin = {{Ms(cluster.StableAfter)}}
          failure-detector {
            heartbeat-interval = {{Ms(cluster.HeartbeatInterval)}}
            acceptable-heartbeat-pause = {{Ms(cluster.AcceptableHeartbeatPause)}}
          }
          # A node the others downed (it was unreachable, e.g. stopped with SIGSTOP) shuts itself down when it
          # learns so: the executable then exits non-zero and its service manager restarts it as a new member.
          run-coordinated-shutdown-when-down = on
          distributed-data {
            gossip-interval = {{Ms(cluster.GossipInterval)}}
            notify-subscribers-interval = {{Ms(cluster.NotifySubscribersInterval)}}
          }
          sharding {
            # Sharding's coordinator state in replicated data, not Akka.Persistence (1.5.73's default would
            # write ./snapshots and need a journal).
            state-store-mode = ddata
            remember-entities = off
            role = {{ClusterSettings.RulesRole}}
            # Sharding's own replicator holds only each coordinator's state, which the coordinator writes and reads
            # with majority: nothing subscribes to it, and gossip is only the backstop for a replica a write missed.
            # Its delta tick (gossip-interval / 5), notify and gossip ticks woke every rules node ~5.5 times a
            # second at Akka's 2 s and 500 ms; ~1.6 at these.
            distributed-data {
              gossip-interval = 5s
              notify-subscribers-interval = 5s
            }
          }
        }
        # Akka.Remote checks every piggyback-timeout / 2 (150 ms by default) whether a system message (watch,
        # terminate) still waits for its ack: 7 wake-ups a second on an idle node, for nothing. Acks ride on the
        # heartbeats anyway; one sent alone after 1s instead of 0.3s still comes well before resend-interval (2s).
        akka.remote.system-message-ack-piggyback-timeout = 1s
        """).WithFallback(WireFormat);

    /// <summary>Our serializer bound to <see cref="IClusterMessage"/>: every node, and the <c>cluster status</c> client.</summary>
    public static Config WireFormat { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.syslogintr = "{{typeof(SyslogintrSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IClusterMessage).AssemblyQualifiedName}}" = syslogintr
          }
          serialization-identifiers {
            "{{typeof(SyslogintrSerializer).AssemblyQualifiedName}}" = {{SyslogintrSerializer.Id}}
          }
        }
        """);

    private static string Ms(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";
}
