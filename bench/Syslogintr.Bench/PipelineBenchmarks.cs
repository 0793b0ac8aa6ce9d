using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Node;

namespace Syslogintr.Bench;

/// <summary>
/// A whole node in this process (the embedded defaults, as `syslogintr run` composes them) with a UDP listener on
/// loopback and the file sink: each operation is one 256-byte datagram sent, received, parsed, queued, routed,
/// formatted and written. The sender keeps at most <see cref="Window"/> datagrams ahead of the listener so that the
/// kernel never drops one; the invocation ends when the sink has taken every message. Allocations are the whole
/// process's (all threads), per message.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
public class PipelineBenchmarks
{
    private const int Messages = 100_000;
    private const int Window = 2_000;

    private readonly byte[] datagram = Encoding.ASCII.GetBytes(
        ("<38>2026-11-29T03:40:26 localhost prg00000[1234]: seq: 0000000000, thread: 0000, runid: 1795923626, " +
         "stamp: 2026-11-29T03:40:26 ").PadRight(255, 'P') + "\n");

    private IHost? host;
    private Socket? sender;
    private IPEndPoint? target;
    private ListenerCounters? listener;
    private SinkCounters? sink;
    private ConsumerCounters? consumer;
    private string? directory;

    [GlobalSetup]
    public void Start()
    {
        directory = Directory.CreateTempSubdirectory("syslogintr-bench-").FullName;
        var port = FreePort();
        var config = ConfigurationFactory.ParseString($$"""
            syslogintr {
              listeners {
                udp.bind = "127.0.0.1:{{port}}"
                tcp.enabled = false
                local.enabled = false
              }
              files.messages {
                path = "{{directory}}/messages"
                flush-interval = 100ms
              }
              metrics.summary-interval = 1h
            }
            akka.loglevel = WARNING
            """).WithFallback(NodeConfig.Defaults());
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSyslogintr(config);
        host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();

        var metrics = host.Services.GetRequiredService<NodeServices>().Metrics;
        listener = metrics.Listener("udp");
        sink = metrics.Sink("messages");
        consumer = metrics.Consumer("sink:messages");
        target = new IPEndPoint(IPAddress.Loopback, port);
        sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        // The listener binds asynchronously after start: send until one arrives.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (listener.Received == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the UDP listener received nothing within 30 s");
            }

            sender.SendTo(datagram, target);
            Thread.Sleep(50);
        }

        WaitUntilTaken(listener.Received, TimeSpan.FromSeconds(30));
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void UdpListenerToFileSink()
    {
        var receivedBefore = listener!.Received;
        var takenBefore = Taken();
        for (var i = 0; i < Messages; i++)
        {
            while (i - (listener.Received - receivedBefore) >= Window)
            {
                Thread.Yield();
            }

            sender!.SendTo(datagram, target!);
        }

        WaitUntilTaken(takenBefore + Messages, TimeSpan.FromSeconds(60));
    }

    [GlobalCleanup]
    public void Stop()
    {
        // Messages the router dropped for a lagging sink count as taken, so the run ends; show them, they are loss.
        Console.WriteLine($"// pipeline: listener {listener}; sink {sink}; consumer {consumer}");
        sender?.Dispose();
        host?.StopAsync().GetAwaiter().GetResult();
        host?.Dispose();
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Messages the sink wrote, plus those the router dropped for it (so a drop cannot hang the run).</summary>
    private long Taken() => sink!.Written + consumer!.Dropped;

    private void WaitUntilTaken(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Taken() < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the sink took {Taken()} of {count} messages within {timeout}; listener {listener}");
            }

            Thread.Sleep(1);
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
