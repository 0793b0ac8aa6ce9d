using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Metrics;
using Syslogintr.Actions;
using Syslogintr.Ingest;
using Syslogintr.Node;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Relay;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

public sealed class RelayActorTests : TestKit, IDisposable
{
    private static readonly DateTimeOffset Sent = new(2026, 2, 9, 8, 5, 3, TimeSpan.Zero);
    private readonly string folder = TempFolder.Create();
    private readonly ActionCounters counters = new();

    public RelayActorTests()
        : base(NodeConfig.Defaults())
    {
    }

    [Fact]
    public void Udp_carries_the_rfc3164_wire_format_with_the_host_of_a_remote_message()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));

        relay.Tell(new RelayRequested(new RelayDestination("udp", "127.0.0.1", port), Remote("hello"), false, "test"));

        Assert.Equal("<38>Feb  9 08:05:03 web1 sshd[42]: hello", Receive(listener));
    }

    [Fact]
    public void Udp_over_ipv6_and_rfc5424_on_request()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));

        relay.Tell(new RelayRequested(new RelayDestination("udp", "::1", port), Remote("hello"), true, "test"));

        Assert.Equal("<38>1 2026-02-09T08:05:03.000000+00:00 web1 sshd 42 - - hello", Receive(listener));
    }

    [Fact]
    public void A_host_name_is_resolved_off_the_rule_thread_and_its_messages_wait_for_it()
    {
        var first = Dns.GetHostAddresses("localhost")[0];
        using var listener = new Socket(first.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(first, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));

        relay.Tell(new RelayRequested(new RelayDestination("udp", "localhost", port), Remote("one"), false, "test"));
        relay.Tell(new RelayRequested(new RelayDestination("udp", "localhost", port), Remote("two"), false, "test"));

        Assert.EndsWith(": one", Receive(listener));
        Assert.EndsWith(": two", Receive(listener));
    }

    [Fact]
    public void Unix_datagram_leaves_out_the_host_of_a_local_message_and_an_empty_tag()
    {
        var path = Path.Combine(folder, "log");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));
        var local = Remote("local text") with { Origin = new Origin(Transport.Unix, null, -1, "/dev/log", -1, "local"), AppName = null, Timestamp = null, ReceivedAt = Sent };

        relay.Tell(new RelayRequested(new RelayDestination("unix", path, -1), local, false, "test"));

        Assert.Equal("<38>Feb  9 08:05:03 local text", Receive(listener));
    }

    [Fact]
    public void A_unix_receiver_that_never_reads_costs_counted_drops_and_never_blocks_the_relay()
    {
        var path = Path.Combine(folder, "stuck");
        using var stuck = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        stuck.Bind(new UnixDomainSocketEndPoint(path));
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));
        var stopwatch = Stopwatch.StartNew();

        for (var i = 0; i < 500; i++)
        {
            relay.Tell(new RelayRequested(new RelayDestination("unix", path, -1), Remote($"message {i}"), false, "test"));
        }

        AwaitAssert(() => Assert.Equal(500, counters.Get("relay.sent") + counters.Get("relay.dropped")), TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"500 relays took {stopwatch.Elapsed}");
        Assert.True(counters.Get("relay.dropped") > 0);
        Assert.True(counters.Get("relay.sent") > 0);
    }

    [Fact]
    public void Tcp_frames_each_message_by_octet_counting_on_one_connection()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var relay = Sys.ActorOf(RelayActor.Props(RelaySettings.Default, counters, TimeZoneInfo.Utc));

        relay.Tell(new RelayRequested(new RelayDestination("tcp", "127.0.0.1", port), Remote("first"), false, "test"));
        relay.Tell(new RelayRequested(new RelayDestination("tcp", "127.0.0.1", port), Remote("é second"), false, "test"));

        using var client = listener.AcceptTcpClient();
        const string expected = "40 <38>Feb  9 08:05:03 web1 sshd[42]: first44 <38>Feb  9 08:05:03 web1 sshd[42]: é second";
        Assert.Equal(expected, ReadExactly(client.GetStream(), Encoding.UTF8.GetByteCount(expected)));
        listener.Stop();
    }

    [Fact]
    public void Tcp_buffers_while_the_destination_is_down_and_delivers_after_reconnecting()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var settings = RelaySettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(200), TcpBuffer = 2 };
        var relay = Sys.ActorOf(RelayActor.Props(settings, counters, TimeZoneInfo.Utc));

        for (var i = 0; i < 3; i++)
        {
            relay.Tell(new RelayRequested(new RelayDestination("tcp", "127.0.0.1", port), Remote($"m{i}"), false, "test"));
        }

        AwaitAssert(() => Assert.True(counters.Get("relay.connect_failed") > 0));
        Assert.Equal(1, counters.Get("relay.dropped"));
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        using var client = listener.AcceptTcpClient();
        const string expected = "37 <38>Feb  9 08:05:03 web1 sshd[42]: m037 <38>Feb  9 08:05:03 web1 sshd[42]: m1";
        Assert.Equal(expected, ReadExactly(client.GetStream(), expected.Length));
        listener.Stop();
    }

    public new void Dispose()
    {
        base.Dispose();
        TempFolder.Delete(folder);
    }

    private static SyslogMessage Remote(string text) => new()
    {
        Facility = Facility.Auth,
        Severity = Severity.Informational,
        Timestamp = Sent,
        ReceivedAt = Sent.AddSeconds(1),
        Hostname = "web1",
        AppName = "sshd",
        ProcId = "42",
        Message = text,
        Origin = new Origin(Transport.Udp, "192.0.2.10", 40000, "127.0.0.1", 514, "udp"),
    };

    private static string Receive(Socket socket)
    {
        socket.ReceiveTimeout = 5000;
        var buffer = new byte[9000];
        var length = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static string ReadExactly(NetworkStream stream, int length)
    {
        stream.ReadTimeout = 5000;
        var buffer = new byte[length];
        stream.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }
}
