using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
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

        // Without the credentials the node refuses: one line, exit 1.
        var anonymous = await NodeExecutable.RunAsync(folder.Path, "stats", "--url", $"http://{node.Http.Address}");
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("401", Assert.Single(anonymous.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
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
        using var tail = NodeExecutable.Start(folder.Path, output, "tail", "--url", $"http://{node.Http.Address}", "--select", "auth.*", "--program", "sshd");
        try
        {
            await Eventually(() => node.Services.Metrics.Consumers.Any(c => c.Name == "tail#1"), () => output.All, TimeSpan.FromSeconds(30));
            await SendAsync(node, [
                "<38>Dec  1 10:00:00 host sshd[7]: accepted one",     // auth.info, sshd
                "<38>Dec  1 10:00:00 host su[8]: not this program",   // auth.info, su
                "<14>Dec  1 10:00:00 host sshd[7]: not this facility", // user.info
                "<86>Dec  1 10:00:00 host sshd[7]: not auth but authpriv",
                "<35>Dec  1 10:00:00 host sshd[7]: accepted two",     // auth.err
            ]);
            await Eventually(() => output.Stdout.Any(l => l.Contains("accepted two", StringComparison.Ordinal)), () => output.All, TimeSpan.FromSeconds(10));
            // Everything the node had is in the file by now: a message tail should not show would have come too.
            await node.WaitForLinesAsync(l => l.Count >= 5);
            await Task.Delay(200);

            var lines = output.Stdout.ToList();
            Assert.Equal(2, lines.Count);
            Assert.EndsWith(" host auth.info sshd[7]: accepted one", lines[0]);
            Assert.EndsWith(" host auth.err sshd[7]: accepted two", lines[1]);
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
