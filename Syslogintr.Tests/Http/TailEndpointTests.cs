using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Http;

/// <summary><c>/api/tail</c> of a whole node: a viewer that stops reading costs drops to itself, never to ingestion.</summary>
[Collection(SerialCollection.Name)]
public sealed class TailEndpointTests
{
    private const int Messages = 20_000;

    [Fact]
    public async Task A_stalled_viewer_costs_counted_drops_to_itself_only_and_its_disconnect_unsubscribes_it()
    {
        // A queue smaller than the burst: were the viewer to hold the pipeline, the listener would have to drop.
        await using var node = await TestNode.StartAsync("""
            syslogintr {
              http { enabled = true, bind = "127.0.0.1:0" }
              pipeline.queue-size = 10000
            }
            """);
        var router = ActorRegistry.For(node.System).Get<RouterKey>();
        var consumersBefore = await ConsumersAsync(router);
        using var viewer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await viewer.ConnectAsync(node.Http.Address!);
        await viewer.SendAsync("GET /api/tail HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        // Read up to the viewer's greeting (so it is subscribed), then never again.
        var greeting = await ReadUntilAsync(viewer, "{\"viewer\":\"tail#1\"}");
        Assert.StartsWith("HTTP/1.1 200", greeting);
        Assert.Equal([.. consumersBefore, "tail#1"], await ConsumersAsync(router));

        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
        var padding = new string('x', 60); // ~5 MB of JSON for the viewer: far beyond its socket and response buffers
        var longest = TimeSpan.Zero;
        var watch = new Stopwatch();
        var file = node.Services.Metrics.Consumer("sink:messages");
        for (var i = 0; i < Messages; i++)
        {
            if (i % 1000 == 0)
            {
                // Paced so that a loaded machine's slow disk does not overflow the queue; a viewer holding the
                // router (backpressure, up to max-backpressure = 10 s) would stop the file sink here, and fail.
                await Eventually(() => file.Delivered >= i - 4000, () => $"the file sink is stuck at {file.Delivered} of {i} sent; {node.Services.Metrics.Summary()}", TimeSpan.FromSeconds(5));
            }

            var datagram = Encoding.ASCII.GetBytes($"<38>Dec  1 10:00:00 host sshd[7]: message {i} {padding}");
            watch.Restart();
            sender.Send(datagram);
            longest = watch.Elapsed > longest ? watch.Elapsed : longest;
        }

        var lines = await node.WaitForLinesAsync(l => l.Count(IsSent) >= Messages, TimeSpan.FromSeconds(30));
        var tail = node.Services.Metrics.Consumer("tail#1");
        var listener = node.Services.Metrics.Listener("local");
        string Accounting() => $"file {lines.Count(IsSent)}, listener dropped {listener.Dropped}, longest send {longest.TotalMilliseconds} ms; {node.Services.Metrics.Summary()}";
        Assert.True(Messages == lines.Count(IsSent), Accounting());
        Assert.Equal(0, listener.Dropped);
        Assert.True(longest < TimeSpan.FromMilliseconds(100), $"a sender was blocked for {longest.TotalMilliseconds} ms");
        Assert.True(tail.Dropped > 0, Accounting());
        // Every message sent is the viewer's delivered, dropped or in flight: nothing lost silently.
        await Eventually(() => Messages == tail.Delivered + tail.Dropped + tail.InFlight, Accounting);

        // The viewer leaves (a reset: it has unread data): what it held is counted as dropped, and it gets nothing more.
        viewer.LingerState = new LingerOption(true, 0);
        viewer.Close();
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); !(await ConsumersAsync(router)).SequenceEqual(consumersBefore); await Task.Delay(50))
        {
            Assert.True(DateTime.UtcNow < deadline, $"still subscribed: {string.Join(", ", await ConsumersAsync(router))}");
        }

        Assert.Equal(0, tail.InFlight);
        var before = tail.Delivered + tail.Dropped;
        for (var i = 0; i < 100; i++)
        {
            sender.Send(Encoding.ASCII.GetBytes($"<38>Dec  1 10:00:01 host sshd[7]: message after {i}"));
        }

        await node.WaitForLinesAsync(l => l.Count(IsSent) >= Messages + 100);
        Assert.Equal(Messages + 100, node.ReadLines().Count(IsSent));
        Assert.True(before == tail.Delivered + tail.Dropped + tail.InFlight, Accounting());

        // Its name is free again: the next viewer is tail#1.
        using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await next.ConnectAsync(node.Http.Address!);
        await next.SendAsync("GET /api/tail HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        await ReadUntilAsync(next, "{\"viewer\":\"tail#1\"}");
    }

    [Fact]
    public async Task Basic_auth_guards_the_tail_too()
    {
        var variable = $"SYSLOGINTR_TEST_HTTP_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            await using var node = await TestNode.StartAsync($$"""syslogintr.http { enabled = true, bind = "127.0.0.1:0", user = ops, password-env = {{variable}} }""");
            using var http = new HttpClient { BaseAddress = new Uri($"http://{node.Http.Address}") };
            using var anonymous = await http.GetAsync("/api/tail", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);

            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tail");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("ops:s3cret"u8.ToArray()));
            using var allowed = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(System.Net.HttpStatusCode.OK, allowed.StatusCode);
            using var reader = new StreamReader(await allowed.Content.ReadAsStreamAsync());
            Assert.Equal("{\"viewer\":\"tail#1\"}", await reader.ReadLineAsync());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_selector_that_is_not_syslog_conf_syntax_is_a_400_naming_it()
    {
        await using var node = await TestNode.StartAsync("""syslogintr.http { enabled = true, bind = "127.0.0.1:0" }""");
        using var http = new HttpClient { BaseAddress = new Uri($"http://{node.Http.Address}") };
        var response = await http.GetAsync("/api/tail?select=auth");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'auth'", await response.Content.ReadAsStringAsync());
    }

    private static async Task<IReadOnlyList<string>> ConsumersAsync(IActorRef router) =>
        (await router.Ask<CurrentConsumers>(GetConsumers.Instance, TimeSpan.FromSeconds(5))).Names;

    private static bool IsSent(string line) => line.Contains("sshd[7]: message", StringComparison.Ordinal);

    private static async Task<string> ReadUntilAsync(Socket socket, string expected)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(read > 0, $"the connection closed after: {text}");
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    private static async Task Eventually(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        for (var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10)); !condition(); await Task.Delay(20))
        {
            Assert.True(DateTime.UtcNow < deadline, describe());
        }
    }
}
