using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Syslogintr.Actions;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Node;

namespace Syslogintr.Bench;

/// <summary>
/// Ban propagation latency (<c>bench/ban-latency.sh</c>): three whole nodes in this process form a cluster on
/// loopback (dry-run backend, no listeners); bans are decided on a rotating node, one every <c>--interval</c>, and
/// each of the other two nodes records, in its <c>syslogintr.ban.propagation_latency</c> histogram, the time from the
/// decision to its ban actor applying it. Read here with a <see cref="MeterListener"/>, as any exporter would.
/// </summary>
public static class BanPropagation
{
    private const int WarmUpBans = 60;

    public static async Task<int> RunAsync(string[] args)
    {
        var bans = Option(args, "--bans", 200);
        var interval = TimeSpan.FromMilliseconds(Option(args, "--interval-ms", 50));
        var writes = args.SkipWhile(a => a != "--write").Skip(1).FirstOrDefault()?.Split(',') ?? ["local", "majority", "all"];
        Console.WriteLine($"MACHINE start loadavg={File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var write in writes)
        {
            await MeasureAsync(write, bans, interval);
        }

        Console.WriteLine($"MACHINE end loadavg={File.ReadAllText("/proc/loadavg").Trim()}");

        return 0;
    }

    private static async Task MeasureAsync(string write, int bans, TimeSpan interval)
    {
        var folder = Directory.CreateTempSubdirectory("ban-latency-").FullName;
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
        var latencies = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == BanCounters.PropagationLatencyName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (latencies)
            {
                latencies.Add(seconds);
            }
        });
        listener.Start();

        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => StartNodeAsync(i, ports, folder, write)));
        try
        {
            var systems = hosts.Select(h => h.Services.GetRequiredService<ActorSystem>()).ToArray();
            await WaitForMembersUpAsync(systems);
            var banActors = systems.Select(s => ActorRegistry.For(s).Get<BanKey>()).ToArray();

            // Warm-up, not counted: the replicators find each other after the members are Up, and the code paths
            // are JIT-compiled (a node in service has run them).
            await BanAsync(banActors, "198.19", WarmUpBans, interval, latencies);
            lock (latencies)
            {
                latencies.Clear();
            }

            await BanAsync(banActors, "198.18", bans, interval, latencies);

            double[] sorted;
            lock (latencies)
            {
                sorted = [.. latencies.Order()];
            }

            var learned = hosts.Sum(h => h.Services.GetRequiredService<NodeServices>().Metrics.Ban.Learned) - (2 * WarmUpBans);
            var timeouts = hosts.Sum(h => h.Services.GetRequiredService<NodeServices>().Metrics.Ban.ReplicationTimeouts);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"RESULT bench=ban-propagation nodes=3 write={write} bans={bans} interval_ms={interval.TotalMilliseconds} learned={learned} expected={2 * bans} p50_ms={Percentile(sorted, 0.50):F0} p99_ms={Percentile(sorted, 0.99):F0} max_ms={Percentile(sorted, 1):F0} write_timeouts={timeouts}"));
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            foreach (var host in hosts)
            {
                host.Dispose();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Bans <paramref name="count"/> addresses of <paramref name="prefix"/>/16, on node k % 3, and waits until the other two applied each (at most 10 s).</summary>
    private static async Task BanAsync(IActorRef[] banActors, string prefix, int count, TimeSpan interval, List<double> latencies)
    {
        var before = Count(latencies);
        for (var k = 0; k < count; k++)
        {
            banActors[k % 3].Tell(new BanRequested($"{prefix}.{k / 256}.{k % 256}", TimeSpan.FromMinutes(10), "bench", "bench"));
            await Task.Delay(interval);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Count(latencies) < before + (2 * count) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    private static async Task<IHost> StartNodeAsync(int i, int[] ports, string folder, string write)
    {
        var config = ConfigurationFactory.ParseString($$"""
            syslogintr {
              listeners { udp.enabled = false, tcp.enabled = false, local.enabled = false }
              files.messages.enabled = false
              metrics.summary-interval = 1h
              ban { backend = none, state-file = "{{folder}}/n{{i}}/bans.json", replication.write = {{write}} }
              cluster { enabled = true, port = {{ports[i]}}, seed-nodes = ["127.0.0.1:{{ports[0]}}"] }
            }
            """).WithFallback(NodeConfig.Defaults());
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSyslogintr(config);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task WaitForMembersUpAsync(ActorSystem[] systems)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!systems.All(s => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == systems.Length))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the 3 nodes did not form a cluster within 30 s");
            }

            await Task.Delay(100);
        }
    }

    private static int Count(List<double> latencies)
    {
        lock (latencies)
        {
            return latencies.Count;
        }
    }

    /// <summary>Nearest rank, in milliseconds; NaN when nothing was measured.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)] * 1000;

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
