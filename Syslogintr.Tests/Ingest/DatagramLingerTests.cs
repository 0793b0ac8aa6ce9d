using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

/// <summary>
/// A datagram listener's linger (batching at moderate rates) and its recvmmsg reads, seen from outside: nothing held
/// longer than the linger, nothing reordered, and a neighbour's message never lost to bad input in the same read.
/// </summary>
public sealed class DatagramLingerTests : TestKit
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

    // Far above the linger: a busy 2-core CI machine may deschedule the reader for a while; holding a message until
    // more arrive (a batch that waits to fill) would exceed it by an unbounded amount.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_lingering_udp_listener_hands_on_every_message_in_order_within_the_linger()
    {
        var node = new NodeServices(new IngestQueue(1000), new NodeMetrics(), TimeProvider.System, "testhost");
        var port = TestNode.FreePort();
        var settings = new ListenerSettings("udp", ListenerKind.Udp, new IPEndPoint(IPAddress.Loopback, port), null, 1 << 20, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))
        {
            Linger = Linger,
        };
        var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([settings], node));
        Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var next = 0;

        // A lone message (the reader is waiting in its read), then a burst (the reader is lingering after the
        // first), then a lone message again: each reaches the queue in time, and in the order sent.
        foreach (var group in new[] { 1, 30, 1 })
        {
            var sent = Stopwatch.StartNew();
            var first = next;
            for (var i = 0; i < group; i++)
            {
                sender.SendTo(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 host app: message {next++}"), target);
            }

            for (var i = first; i < next; i++)
            {
                using var timeout = new CancellationTokenSource(Linger + Slack);
                var message = await node.Queue.Reader.ReadAsync(timeout.Token);
                Assert.Equal($"message {i}", message.Message);
            }

            Assert.True(sent.Elapsed < Linger + Slack, $"a group of {group} took {sent.Elapsed.TotalMilliseconds} ms to reach the queue (linger {Linger.TotalMilliseconds} ms)");
        }

        Assert.Equal(next, node.Metrics.Listener("udp").Received);
    }

    /// <summary>
    /// The linger holds messages back, never the reading: with a linger far longer than the receive buffer lasts at
    /// this rate, a stream keeps arriving whole. A reader that slept through its linger (as it once did) lets the
    /// kernel's buffer overflow and loses most of the stream. A lone message after a quiet spell is not held.
    /// </summary>
    [Fact]
    public async Task A_udp_listener_keeps_reading_while_it_holds_messages_back()
    {
        const int Stream = 6 * 256; // whole hand-offs of 256: none waits out the linger
        var linger = TimeSpan.FromSeconds(5);
        var node = new NodeServices(new IngestQueue(4000), new NodeMetrics(), TimeProvider.System, "testhost");
        var port = TestNode.FreePort();

        // 256 KiB asked is about 600 short datagrams in the kernel's buffer (it charges ~830 bytes each): ~120 ms of
        // this stream, far less than the linger, far more than one read's worth between the reader's naps.
        var settings = new ListenerSettings("udp", ListenerKind.Udp, new IPEndPoint(IPAddress.Loopback, port), null, 256 * 1024, 64 * 1024, TimeSpan.FromMinutes(1), 10, null, 10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))
        {
            Linger = linger,
        };
        var listeners = Sys.ActorOf(ListenerSupervisorActor.Props([settings], node));
        Assert.Empty((await listeners.Ask<ListenersReady>(AwaitListenersReady.Instance, TimeSpan.FromSeconds(5))).Failures);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        sender.SendTo(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 host app: lone"), target);
        using (var quick = new CancellationTokenSource(linger - TimeSpan.FromSeconds(1)))
        {
            Assert.Equal("lone", (await node.Queue.Reader.ReadAsync(quick.Token)).Message);
        }

        // About 5 datagrams a millisecond, never faster (a sender held up does not catch up in a burst).
        for (var i = 0; i < Stream; i++)
        {
            sender.SendTo(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 host app: message {i}"), target);
            if (i % 10 == 9)
            {
                Thread.Sleep(2);
            }
        }

        for (var i = 0; i < Stream; i++)
        {
            using var timeout = new CancellationTokenSource(linger + Slack);
            Assert.Equal($"message {i}", (await node.Queue.Reader.ReadAsync(timeout.Token)).Message);
        }

        var counters = node.Metrics.Listener("udp");
        Assert.Equal(Stream + 1, counters.Received);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public async Task Bad_datagrams_in_the_same_read_cost_their_neighbours_nothing()
    {
        await using var node = await TestNode.StartAsync("""
            syslogintr.listeners.udp.max-message-size = 1KiB
            syslogintr.files.messages.format = rfc5424
            """);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, node.Port);
        var burst = new List<byte[]>();
        for (var i = 0; i < 20; i++)
        {
            burst.Add(Encoding.ASCII.GetBytes($"<13>Nov 29 10:00:00 app[1]: neighbour {i}"));
            burst.Add(i switch
            {
                0 => [],
                1 => [0xFF, 0x00, 0xC3, 0x28, (byte)'\n'],
                2 => Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 big[2]: " + new string('x', 3000)),
                _ => Encoding.ASCII.GetBytes("<999>"),
            });
        }

        foreach (var datagram in burst)
        {
            udp.SendTo(datagram, target);
        }

        var lines = await node.WaitForLinesAsync(l => Enumerable.Range(0, 20).All(i => l.Any(line => line.EndsWith($" neighbour {i}", StringComparison.Ordinal))));
        for (var i = 0; i < 20; i++)
        {
            Assert.Contains(lines, l => l.Contains($" 127.0.0.1 app 1 - - neighbour {i}", StringComparison.Ordinal));
        }

        var counters = node.Services.Metrics.Listener("udp");
        Assert.Equal(burst.Count, counters.Received);
        Assert.Equal(1, counters.Truncated);
        Assert.Equal(0, counters.Errors);
    }
}
