using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Http;
using Syslogintr.Node.Commands;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>The real executable's <c>stats</c> and <c>tail</c> against a running node's HTTP endpoint.</summary>
public sealed class StatsAndTailCommandTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Stats_with_the_nodes_configuration_prints_its_listeners_and_counters_through_basic_auth()
    {
        var passwordFile = Path.Combine(folder.Path, "http.password");
        await File.WriteAllTextAsync(passwordFile, "s3cret\n");
        await using var node = await TestNode.StartAsync($$"""syslogintr.http { enabled = true, bind = "127.0.0.1:0", user = ops, password-file = "{{passwordFile}}" }""");
        await SendAsync(node, Enumerable.Range(0, 3).Select(i => $"<13>Dec  1 10:00:00 host app: message {i}"));
        await node.WaitForLinesAsync(l => l.Count >= 3);
        // What an operator writes: the node's own http section, the password from the file it names.
        var config = Path.Combine(folder.Path, "node.conf");
        await File.WriteAllTextAsync(config, $$"""syslogintr.http { bind = "{{node.Http.Address}}", user = ops, password-file = "{{passwordFile}}" }""");

        var (exitCode, output, error) = await NodeExecutable.RunAsync(folder.Path, "stats", "--config", config);

        Assert.True(exitCode == 0, output + error);
        Assert.Empty(error);
        Assert.Equal(["udp", "yes", "3", "0", "0", "0", "0"], Row(output, "udp"));
        Assert.Equal("yes", Row(output, "tcp")[1]);
        Assert.Equal(["sink:messages", "3", "0", "0"], Row(output, "sink:messages"));

        // The same with the credentials in --url.
        var byUrl = await NodeExecutable.RunAsync(folder.Path, "stats", "--url", $"http://ops:s3cret@{node.Http.Address}");
        Assert.True(byUrl.ExitCode == 0, byUrl.Output + byUrl.Error);
        Assert.Equal("yes", Row(byUrl.Output, "udp")[1]);

        // Without the credentials the node refuses: one line, exit 1.
        var anonymous = await NodeExecutable.RunAsync(folder.Path, "stats", "--url", $"http://{node.Http.Address}");
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("401", Assert.Single(anonymous.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Stats_with_the_endpoint_disabled_in_the_configuration_is_one_line_and_exit_2()
    {
        var config = Path.Combine(folder.Path, "node.conf");
        await File.WriteAllTextAsync(config, "syslogintr.http.enabled = false");

        var (exitCode, output, error) = await NodeExecutable.RunAsync(folder.Path, "stats", "--config", config);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("disabled", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_wildcard_bind_is_asked_on_loopback_with_the_configured_user_unless_the_url_names_one()
    {
        var passwordFile = Path.Combine(folder.Path, "http.password");
        await File.WriteAllTextAsync(passwordFile, "s3cret\n");
        var config = Path.Combine(folder.Path, "node.conf");
        await File.WriteAllTextAsync(config, $$"""syslogintr.http { bind = "0.0.0.0:9600", user = ops, password-file = "{{passwordFile}}" }""");

        var fromConfig = NodeEndpoint.Resolve(null, config)!;
        var fromUrl = NodeEndpoint.Resolve("http://viewer:pw@127.0.0.1:9700", null)!;

        Assert.Equal(new Uri("http://127.0.0.1:9600/"), fromConfig.Url);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:s3cret")), fromConfig.Authorization!.Parameter);
        Assert.Equal(new Uri("http://127.0.0.1:9700/"), fromUrl.Url);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("viewer:pw")), fromUrl.Authorization!.Parameter);
    }

    [Fact]
    public void Stats_shows_probes_up_or_down_since_when_alerts_the_outbox_and_bans_with_their_expiry()
    {
        var now = DateTimeOffset.UtcNow;
        var status = new NodeStatus(
            "gw",
            now,
            true,
            [new ListenerLine("udp", true, 10, 1000, 1, 2, 3, 4)],
            [new ConsumerLine("sink:messages", 9, 1, 0)],
            [new RuleLine("sshd", 10, 1, 0, 2)],
            [new ProbeLine("named", false, now.AddMinutes(-5), now, 0.25, "no process 99999")],
            [new AlertLine("probe:named", "named is down", "critical", "probe named", now.AddMinutes(-5), null)],
            ["named is down (to ops@example.org)"],
            [new BanLine("192.0.2.7", now.AddHours(1), "seen 3 times", "sshd")],
            ["alerts: no answer within 1 s"]);

        var text = StatsText.Format(status);

        Assert.Equal(["udp", "yes", "10", "2", "3", "1", "4"], Row(text, "udp"));
        Assert.Equal(["sshd", "10", "1", "0", "2"], Row(text, "sshd"));
        Assert.Matches(@"named +DOWN +\S+ \S+ \(5m ago\) .* 0\.25s +no process 99999", text);
        Assert.Matches(@"critical +named is down +probe named +\S+ \S+ +not yet", text);
        Assert.Contains("outbox: 1 mail(s) waiting\n  named is down (to ops@example.org)", text.ReplaceLineEndings("\n"));
        Assert.Matches(@"192\.0\.2\.7 +\S+ \S+ \(in (59m|1h00m)\) +sshd +seen 3 times", text);
        Assert.Contains("unavailable: alerts: no answer within 1 s", text);
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("tail")]
    public async Task A_node_not_reachable_is_one_line_on_stderr_and_exit_1(string command)
    {
        var (exitCode, output, error) = await NodeExecutable.RunAsync(folder.Path, command, "--url", $"http://127.0.0.1:{TestNode.FreePort()}");

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("syslogintr: cannot ", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Tail_prints_the_messages_its_select_and_program_accept_and_ends_quietly_on_ctrl_c()
    {
        await using var node = await TestNode.StartAsync("""syslogintr.http { enabled = true, bind = "127.0.0.1:0" }""");
        var output = new OutputLines();
        using var tail = NodeExecutable.Start(folder.Path, output, "tail", "--url", $"http://{node.Http.Address}", "--select", "auth.*", "--program", "sshd", "--program", "login*");
        try
        {
            await Eventually(() => node.Services.Metrics.Consumers.Any(c => c.Name == "tail#1"), () => output.All, TimeSpan.FromSeconds(30));
            await SendAsync(node, [
                "<38>Dec  1 10:00:00 host sshd[7]: accepted one",     // auth.info, sshd
                "<38>Dec  1 10:00:00 host su[8]: not this program",   // auth.info, su
                "<14>Dec  1 10:00:00 host sshd[7]: not this facility", // user.info
                "<86>Dec  1 10:00:00 host sshd[7]: not auth but authpriv",
                "<35>Dec  1 10:00:00 host sshd[7]: accepted two",     // auth.err
                "<36>Dec  1 10:00:00 host login2[9]: accepted three", // auth.warning, a login* program
            ]);
            await Eventually(() => output.Stdout.Any(l => l.Contains("accepted three", StringComparison.Ordinal)), () => output.All, TimeSpan.FromSeconds(10));
            // Everything the node had is in the file by now: a message tail should not show would have come too.
            await node.WaitForLinesAsync(l => l.Count >= 6);
            await Task.Delay(200);

            var lines = output.Stdout.ToList();
            Assert.Equal(3, lines.Count);
            Assert.EndsWith(" host auth.info sshd[7]: accepted one", lines[0]);
            Assert.EndsWith(" host auth.err sshd[7]: accepted two", lines[1]);
            Assert.EndsWith(" host auth.warning login2[9]: accepted three", lines[2]);
            // Standard output is not a terminal here: no colour.
            Assert.DoesNotContain(lines, l => l.Contains('\e'));

            using (var interrupt = Process.Start("kill", ["-INT", tail.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt!.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tail.WaitForExitAsync(timeout.Token);
            // 130 = 128 + SIGINT, as any interrupted command (coreutils' tail -f too); nothing on stderr.
            Assert.True(tail.ExitCode == 130, $"exit code {tail.ExitCode}: {output.All}");
            Assert.Empty(output.Stderr);
        }
        finally
        {
            if (!tail.HasExited)
            {
                tail.Kill();
            }
        }
    }

    [Fact]
    public async Task A_tail_whose_output_is_not_read_is_told_on_stderr_exactly_how_many_messages_it_missed()
    {
        await using var node = await TestNode.StartAsync("""syslogintr.http { enabled = true, bind = "127.0.0.1:0" }""");
        // Standard output a pipe nobody reads for now: a terminal that cannot keep up.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.Path };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "syslogintr.dll"), "tail", "--url", $"http://{node.Http.Address}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var tail = Process.Start(start)!;
        var stderr = new ConcurrentQueue<string>();
        tail.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        tail.BeginErrorReadLine();
        try
        {
            // The router creates a consumer's counters when it subscribes.
            await Eventually(() => node.Services.Metrics.Consumers.Any(c => c.Name == "tail#1"), () => string.Join('\n', stderr), TimeSpan.FromSeconds(30));
            var viewer = node.Services.Metrics.Consumer("tail#1");
            // Until the viewer drops: how much the pipe and the loopback connection's buffers absorb first depends on
            // the machine (a large tcp_rmem took 20,000 short lines whole), so send in rounds, bounded.
            var listener = node.Services.Metrics.Listener("local");
            var padding = new string('x', 400);
            var messages = 0;
            using (var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            {
                sender.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
                for (var round = 0; round < 50 && viewer.Dropped == 0; round++)
                {
                    for (var i = 0; i < 2_000; i++, messages++)
                    {
                        sender.Send(Encoding.ASCII.GetBytes($"<38>Dec  1 10:00:00 host sshd[7]: message {messages} {padding}"));
                    }

                    var sent = messages;
                    await Eventually(() => listener.Received == sent, () => listener.ToString(), TimeSpan.FromSeconds(30));
                }
            }

            // What the listener had to drop (a loaded machine) never reached the router: the viewer accounts for the rest.
            var routed = () => messages - listener.Dropped;
            await Eventually(() => viewer.Delivered + viewer.Dropped + viewer.InFlight == routed(), () => viewer.ToString(), TimeSpan.FromSeconds(30));
            Assert.True(viewer.Dropped > 0, viewer.ToString());

            // Now the terminal reads: every message routed to this viewer is on stdout or counted on stderr.
            var stdout = 0;
            tail.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    Interlocked.Increment(ref stdout);
                }
            };
            tail.BeginOutputReadLine();
            long Missed() => stderr.Select(l => Regex.Match(l, @"^syslogintr: (\d+) messages dropped: this viewer read too slowly$"))
                .Where(m => m.Success).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            await Eventually(() => Volatile.Read(ref stdout) + Missed() == routed(), () => $"stdout {stdout} lines, stderr: {string.Join(" | ", stderr)}; {viewer}", TimeSpan.FromSeconds(30));
            Assert.Equal(viewer.Dropped, Missed());
            Assert.Equal(viewer.Delivered, Volatile.Read(ref stdout));
        }
        finally
        {
            tail.Kill();
        }
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", false)]
    public async Task On_a_terminal_tail_colours_by_severity_unless_NO_COLOR_is_set(string? noColor, bool coloured)
    {
        await using var node = await TestNode.StartAsync("""syslogintr.http { enabled = true, bind = "127.0.0.1:0" }""");
        // script(1) gives the command a pseudo-terminal for its standard output and copies what it prints.
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = folder.Path };
        foreach (var argument in new[] { "-qefc", $"dotnet {Path.Combine(AppContext.BaseDirectory, "syslogintr.dll")} tail --url http://{node.Http.Address}", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = noColor;
        using var tail = Process.Start(start)!;
        var output = new ConcurrentQueue<string>();
        tail.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        tail.BeginOutputReadLine();
        try
        {
            await Eventually(() => node.Services.Metrics.Consumers.Any(c => c.Name == "tail#1"), () => string.Join('\n', output), TimeSpan.FromSeconds(30));
            await SendAsync(node, ["<35>Dec  1 10:00:00 host sshd[7]: an error"]);
            await Eventually(() => output.Any(l => l.Contains("an error", StringComparison.Ordinal)), () => string.Join('\n', output), TimeSpan.FromSeconds(10));

            var line = output.Single(l => l.Contains("an error", StringComparison.Ordinal));
            // .NET may put terminal set-up sequences of its own before the line: look for the colour itself.
            Assert.True(coloured == line.Contains("\e[0;31mDec  1 ", StringComparison.Ordinal), line.Replace("\e", "\\e", StringComparison.Ordinal));
            Assert.True(coloured == line.Contains("an error\e[0m", StringComparison.Ordinal), line.Replace("\e", "\\e", StringComparison.Ordinal));
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void A_tailed_line_is_coloured_by_severity_as_realtime_lua_colours_it_and_shows_control_characters()
    {
        var message = new TailMessage(DateTimeOffset.UtcNow, new DateTimeOffset(2026, 12, 1, 9, 5, 7, TimeSpan.Zero), "gw", "sshd", "12", "auth", "err", "bad\e[2Jpassword", "udp", "192.0.2.1");

        var plain = TailLine.Format(message, colour: false);
        var coloured = TailLine.Format(message, colour: true);

        Assert.Matches(@"^Dec  1 \d\d:\d\d:07 gw auth\.err sshd\[12\]: bad\\x1b\[2Jpassword$", plain);
        Assert.Equal("\e[0;31m" + plain + "\e[0m", coloured);
        Assert.StartsWith("\e[1;33m", TailLine.Format(message with { Severity = "warning" }, colour: true));
    }

    private static string[] Row(string output, string name) =>
        Assert.Single(output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), cells => cells.Length > 0 && cells[0] == name);

    private static async Task SendAsync(TestNode node, IEnumerable<string> messages)
    {
        using var udp = new UdpClient();
        foreach (var message in messages)
        {
            await udp.SendAsync(Encoding.ASCII.GetBytes(message), new IPEndPoint(IPAddress.Loopback, node.Port));
        }
    }

    private static async Task Eventually(Func<bool> condition, Func<string> describe, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; !condition(); await Task.Delay(50))
        {
            Assert.True(DateTime.UtcNow < deadline, describe());
        }
    }
}
