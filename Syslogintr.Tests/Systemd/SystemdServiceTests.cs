using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Systemd;

/// <summary>
/// The real executable as systemd runs it: <c>Type=notify</c> readiness on a NOTIFY_SOCKET the test binds, and socket
/// activation by Debian's <c>systemd-socket-activate</c> (what a socket unit does: bind, then exec the service with
/// LISTEN_FDS).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class SystemdServiceTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Ready_comes_once_listeners_are_bound_and_rules_loaded_then_watchdog_pings_and_stopping_at_sigterm()
    {
        var folder = TempFolder.Create();
        try
        {
            using var notify = BindNotifySocket(folder);
            var seen = Path.Combine(folder, "seen");
            // A rule that takes a second to load: READY must wait for it, and it must see what is sent right after.
            await File.WriteAllTextAsync(Path.Combine(folder, "slow.lua"), $$"""
                os.execute('sleep 1')
                function log(m) local f = io.open("{{seen}}", "a"); f:write(m.msg, "\n"); f:close() end
                """);
            var config = await WriteConfigAsync(folder, $$"""
                local.path = "{{folder}}/log"
                """, $$"""rules.slow { script = "{{folder}}/slow.lua", trusted = true }""");
            var output = new OutputLines();
            using var node = NodeExecutable.Start(
                folder,
                output,
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = Path.Combine(folder, "notify"), ["WATCHDOG_USEC"] = "400000" },
                [],
                "run",
                "--config",
                config);

            Assert.Equal("READY=1", await ReceiveAsync(notify, StartLimit, output));
            // Sent at once: the listener is bound and the rule is loaded, so nothing is refused or lost.
            Send(Path.Combine(folder, "log"), "<13>Dec  1 10:00:00 host test: right after READY");

            var pings = 0;
            var watching = Stopwatch.StartNew();
            while (pings < 2)
            {
                Assert.Equal("WATCHDOG=1", await ReceiveAsync(notify, TimeSpan.FromSeconds(5), output));
                pings++;
            }

            Assert.True(watching.Elapsed < TimeSpan.FromSeconds(2), $"two pings took {watching.Elapsed} with WATCHDOG_USEC=400000");
            await WaitForLineAsync(seen, "right after READY");
            await WaitForLineAsync(Path.Combine(folder, "messages"), "right after READY");

            Kill(node, "TERM");
            string state;
            do
            {
                state = await ReceiveAsync(notify, TimeSpan.FromSeconds(10), output);
            }
            while (state == "WATCHDOG=1");

            Assert.Equal("STOPPING=1", state);
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task A_notify_socket_nobody_listens_on_costs_a_warning_not_the_node()
    {
        var folder = TempFolder.Create();
        try
        {
            var config = await WriteConfigAsync(folder, $$"""local.path = "{{folder}}/log" """, "");
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = Path.Combine(folder, "nobody") }, [], "run", "--config", config);
            await NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid"));
            Send(Path.Combine(folder, "log"), "<13>Dec  1 10:00:00 host test: still running");
            await WaitForLineAsync(Path.Combine(folder, "messages"), "still running");
            await WaitForOutputAsync(output, "systemd: could not send READY=1 to NOTIFY_SOCKET");

            Kill(node, "TERM");
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Inherited_unix_and_udp_sockets_are_read_by_the_listener_at_their_address_or_as_listeners_of_their_own_and_never_unlinked()
    {
        var folder = TempFolder.Create();
        try
        {
            using var notify = BindNotifySocket(folder);
            var journal = Path.Combine(folder, "journal");
            var extra = Path.Combine(folder, "extra");
            var port = TestNode.FreePort();
            // The configured listeners "local" and "udp" are at the first and third sockets' addresses; the second matches none.
            var config = await WriteConfigAsync(folder, $$"""local.path = "{{journal}}", net { kind = udp, bind = "127.0.0.1:{{port}}" }""", "");
            string[] activate =
            [
                "systemd-socket-activate", "--datagram", "-l", journal, "-l", extra, "-l", $"127.0.0.1:{port}", "--fdname=journal:extra:net",
                .. PassedEnvironment().SelectMany(name => new[] { "-E", name }),
            ];
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = Path.Combine(folder, "notify") }, activate, "run", "--config", config);

            // As journald does: systemd holds the socket before the service runs; the first datagram starts it and waits.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!File.Exists(journal) || !File.Exists(extra))
            {
                Assert.True(DateTime.UtcNow < deadline, "systemd-socket-activate did not bind its sockets: " + output.All);
                await Task.Delay(50);
            }

            Send(journal, "<13>Dec  1 10:00:00 host test: before the node ran");
            Assert.Equal("READY=1", await ReceiveAsync(notify, StartLimit, output));
            Send(journal, "<13>Dec  1 10:00:01 host test: to the configured listener");
            Send(extra, "<13>Dec  1 10:00:02 host test: to a listener of its own");
            using (var udp = new UdpClient())
            {
                await udp.SendAsync(Encoding.UTF8.GetBytes("<13>Dec  1 10:00:03 host test: to the configured UDP listener"), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            }

            var messages = Path.Combine(folder, "messages");
            await WaitForLineAsync(messages, "before the node ran");
            await WaitForLineAsync(messages, "to the configured listener");
            await WaitForLineAsync(messages, "to a listener of its own");
            await WaitForLineAsync(messages, "to the configured UDP listener");
            await WaitForOutputAsync(output, $"listener local: unix datagram {journal}, inherited (fd 3 'journal')");
            await WaitForOutputAsync(output, $"listener extra: unix datagram {extra}, inherited (fd 4 'extra')");
            await WaitForOutputAsync(output, $"listener net: udp 127.0.0.1:{port}, inherited (fd 5 'net')");

            Kill(node, "TERM");
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, node.ExitCode);
            // The service manager's sockets: it keeps them for the next start, so the node must not remove them.
            Assert.True(File.Exists(journal) && File.Exists(extra), "the node unlinked an inherited socket");
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task A_stream_socket_handed_over_stops_the_start_with_one_plain_line()
    {
        var folder = TempFolder.Create();
        try
        {
            var config = await WriteConfigAsync(folder, $$"""local.path = "{{folder}}/log" """, "");
            var stream = Path.Combine(folder, "stream");
            string[] activate = ["systemd-socket-activate", "-l", stream, .. PassedEnvironment().SelectMany(name => new[] { "-E", name })];
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, new Dictionary<string, string>(), activate, "run", "--config", config);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!File.Exists(stream))
            {
                Assert.True(DateTime.UtcNow < deadline, "systemd-socket-activate did not bind its socket: " + output.All);
                await Task.Delay(50);
            }

            using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await client.ConnectAsync(new UnixDomainSocketEndPoint(stream));
            }

            await node.WaitForExitAsync().WaitAsync(StartLimit);
            Assert.NotEqual(0, node.ExitCode);
            Assert.Contains("syslogintr: inherited socket fd 3: a Stream Unix socket; only datagram sockets", output.All);
            Assert.DoesNotContain("   at ", output.All);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static Socket BindNotifySocket(string folder)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(folder, "notify")));
        return socket;
    }

    private static async Task<string> WriteConfigAsync(string folder, string listeners, string rules)
    {
        var config = Path.Combine(folder, "node.conf");
        await File.WriteAllTextAsync(config, $$"""
            syslogintr {
              listeners {
                udp.enabled = false
                tcp.enabled = false
                {{listeners}}
              }
              files.messages { path = "{{folder}}/messages", flush-interval = 50ms }
              {{rules}}
            }
            """);
        return config;
    }

    /// <summary>systemd-socket-activate passes only TERM, PATH, USER and HOME on: the .NET host's variables must be named.</summary>
    private static IEnumerable<string> PassedEnvironment() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("DOTNET_", StringComparison.Ordinal)).Append("NOTIFY_SOCKET");

    private static async Task<string> ReceiveAsync(Socket notify, TimeSpan limit, OutputLines output)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            var length = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"nothing on NOTIFY_SOCKET within {limit}; the node said:\n{output.All}");
            throw;
        }
    }

    private static void Send(string path, string message)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        client.SendTo(Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(path));
    }

    private static async Task WaitForLineAsync(string file, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(file) || !(await File.ReadAllTextAsync(file)).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' never reached {file}");
            await Task.Delay(50);
        }
    }

    /// <summary>The node's log is written asynchronously: a line may follow what it reports by a moment.</summary>
    private static async Task WaitForOutputAsync(OutputLines output, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!output.All.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not in the node's output:\n{output.All}");
            await Task.Delay(50);
        }
    }

    private static void Kill(Process node, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", node.Id.ToString()]);
        kill!.WaitForExit();
    }
}
