using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Tests.Support;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Ingest;

/// <summary>
/// Hostile TCP senders on loopback: resets mid-frame, silent and dribbling connections (slowloris), connection
/// floods from one address, absurd octet counts. Each costs the attacker its own connection and is counted; no other
/// sender loses a message or a slot. Serial: they open hundreds of sockets and measure time and threads.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TcpAdversaryTests(ITestOutputHelper output)
{
    private static readonly IPAddress OtherLoopback = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task A_reset_mid_frame_is_counted_aborted_and_what_came_is_delivered_flagged()
    {
        await using var node = await TestNode.StartAsync();
        var counters = node.Services.Metrics.Listener("tcp");
        var sent = "<13>Nov 29 10:00:00 h whole[1]: complete\n50 <13>Nov 29 10:00:00 h part[2]: half";
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes(sent));
            await Until(() => counters.Bytes == sent.Length);
            client.LingerState = new LingerOption(true, 0); // close with a reset, not a FIN
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 2);
        await Until(() => counters.AbortedFrames == 1);
        Assert.EndsWith("whole[1]: complete", lines[0]);
        Assert.EndsWith("part[2]: half", lines[1]);
        Assert.Equal(1, counters.AbortedFrames);
        Assert.Equal(1, counters.Truncated);
    }

    [Fact]
    public async Task An_orderly_close_delivers_a_last_unterminated_line_whole_and_aborts_nothing()
    {
        await using var node = await TestNode.StartAsync();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h last[1]: no newline"));
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 1);
        Assert.EndsWith("last[1]: no newline", Assert.Single(lines));
        Assert.Equal(0, node.Services.Metrics.Listener("tcp").AbortedFrames);
        Assert.Equal(0, node.Services.Metrics.Listener("tcp").Truncated);
    }

    [Fact]
    public async Task A_huge_octet_count_is_a_framing_error_and_every_frame_after_the_next_lf_arrives()
    {
        await using var node = await TestNode.StartAsync();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, node.Port);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                "999999999999 garbage\n" +
                "<13>Nov 29 10:00:00 h one[1]: first\n" +
                "<13>Nov 29 10:00:00 h two[2]: second\n" +
                "<13>Nov 29 10:00:00 h three[3]: third\n"));
        }

        var lines = await node.WaitForLinesAsync(l => l.Count >= 4);
        Assert.Equal(4, lines.Count);
        Assert.EndsWith("one[1]: first", lines[1]);
        Assert.EndsWith("two[2]: second", lines[2]);
        Assert.EndsWith("three[3]: third", lines[3]);
        Assert.Equal(1, node.Services.Metrics.Listener("tcp").FramingErrors);
    }

    [Fact]
    public async Task Silent_connections_from_one_address_do_not_lock_out_another_and_refusals_are_counted_and_rate_limited()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp { max-connections = 100, max-connections-per-address = 20 }");
        var counters = node.Services.Metrics.Listener("tcp");
        var warnings = WarningsOf(node);
        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                flood.Add(await ConnectFromAsync(OtherLoopback, node.Port));
            }

            await Until(() => counters.Refused == 80);
            using var honest = new TcpClient();
            await honest.ConnectAsync(IPAddress.Loopback, node.Port);
            await honest.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h honest[1]: got in\n"));

            var lines = await node.WaitForLinesAsync(l => l.Count >= 1);
            Assert.EndsWith("honest[1]: got in", Assert.Single(lines));
            Assert.Equal(80, counters.Refused);
            var refusals = warnings.Where(w => w.Contains("refus", StringComparison.Ordinal)).ToList();
            Assert.True(refusals.Count is >= 1 and <= 2, $"{refusals.Count} refusal warnings: {string.Join(" | ", refusals)}");
        }
        finally
        {
            flood.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_dribbler_is_cut_after_the_frame_timeout_while_a_neighbour_keeps_delivering()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp { frame-timeout = 500ms, first-frame-timeout = 5s }");
        var counters = node.Services.Metrics.Listener("tcp");
        using var neighbour = new TcpClient();
        await neighbour.ConnectAsync(IPAddress.Loopback, node.Port);
        using var dribbler = new TcpClient();
        await dribbler.ConnectAsync(IPAddress.Loopback, node.Port);
        var stream = dribbler.GetStream();
        var closedByServer = stream.ReadAsync(new byte[1]).AsTask();
        var clock = Stopwatch.StartNew();
        var frame = Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h slow[1]: one byte at a time, forever and ever and ever");
        foreach (var b in frame)
        {
            if (closedByServer.IsCompleted || clock.Elapsed > TimeSpan.FromSeconds(4))
            {
                break;
            }

            try
            {
                await stream.WriteAsync(new[] { b });
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(closedByServer.IsCompleted, $"the dribbler was still connected after {clock.Elapsed}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cut only after {clock.Elapsed}");
        await Until(() => counters.AbortedFrames == 1);

        await neighbour.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h neighbour[2]: still here\n"));
        var lines = await node.WaitForLinesAsync(l => l.Any(x => x.EndsWith("neighbour[2]: still here", StringComparison.Ordinal)));
        Assert.Contains(lines, x => x.EndsWith("neighbour[2]: still here", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_that_sends_only_blank_lines_is_cut_after_the_first_frame_timeout()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp { first-frame-timeout = 500ms }");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, node.Port);
        var stream = client.GetStream();
        var closedByServer = stream.ReadAsync(new byte[1]).AsTask();
        var clock = Stopwatch.StartNew();
        while (!closedByServer.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            try
            {
                await stream.WriteAsync("\n"u8.ToArray());
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(closedByServer.IsCompleted, $"still connected after {clock.Elapsed}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cut only after {clock.Elapsed}");
    }

    [Fact]
    public async Task Idle_connections_hold_no_thread_each()
    {
        await using var node = await TestNode.StartAsync("syslogintr.listeners.tcp { max-connections = 300, max-connections-per-address = 300 }");
        var counters = node.Services.Metrics.Listener("tcp");
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.Threads.Count;
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                idle.Add(await ConnectFromAsync(OtherLoopback, node.Port));
            }

            // Every connection accepted and read from (none refused), then let any thread they'd need start.
            await Task.Delay(TimeSpan.FromSeconds(1));
            process.Refresh();
            var after = process.Threads.Count;
            Assert.Equal(0, counters.Refused);
            Assert.True(after - before < 50, $"200 idle connections: {before} -> {after} threads");
            output.WriteLine($"200 idle connections: {before} -> {after} threads");
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Tcp_reads_go_on_while_actors_block_thread_pool_threads()
    {
        await using var node = await TestNode.StartAsync();
        var counters = node.Services.Metrics.Listener("tcp");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, node.Port);
        // Not disposable: work items still queued when the test ends must find it, set, and return at once.
        var release = new TaskCompletionSource();
        var blocked = ThreadPool.ThreadCount + 2; // every pool thread there is, and more: the pool must add threads
        for (var i = 0; i < blocked; i++)
        {
            // What a stuck actor on a pool dispatcher does: hold its thread.
            ThreadPool.UnsafeQueueUserWorkItem(_ => release.Task.Wait(TimeSpan.FromSeconds(40)), null);
        }

        try
        {
            var clock = Stopwatch.StartNew();
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 h pooled[1]: read anyway\n"));
            // Delayed, not stopped: the pool adds a thread about every half second, so how long depends on how many
            // threads the rest of the test process holds (6 s alone here); 30 s is the bound of "never stopped".
            while (counters.Received == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20); // not await: this test's own continuations would queue behind the blocked threads
            }

            Assert.True(counters.Received == 1, $"not read within {clock.Elapsed} while {blocked} pool threads were blocked");
            output.WriteLine($"read after {clock.Elapsed.TotalMilliseconds:0} ms with {blocked} pool threads blocked");
        }
        finally
        {
            release.SetResult();
        }
    }

    private static async Task<Socket> ConnectFromAsync(IPAddress source, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>The node's warnings as they are logged, from its Akka event stream.</summary>
    private static ConcurrentQueue<string> WarningsOf(TestNode node)
    {
        var warnings = new ConcurrentQueue<string>();
        var system = node.System;
        var collector = system.ActorOf(Props.Create(() => new WarningCollector(warnings)));
        system.EventStream.Subscribe(collector, typeof(Warning));
        return warnings;
    }

    private sealed class WarningCollector : ReceiveActor
    {
        public WarningCollector(ConcurrentQueue<string> warnings) => Receive<Warning>(w => warnings.Enqueue(w.ToString()));
    }
}
