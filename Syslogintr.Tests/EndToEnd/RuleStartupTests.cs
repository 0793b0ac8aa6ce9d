using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>The real executable with a rule script that does not load: it must not start.</summary>
[Collection(SerialCollection.Name)]
public sealed class RuleStartupTests
{
    [Theory]
    [InlineData("local x = 1\nerror('no config here')\nfunction log(m) end\n", "broken.lua:2:", "no config here")]
    [InlineData("function handle(m) end\n", "broken.lua", "does not define a function log(msg)")]
    [InlineData("function log(m) end\nwhile true do end\n", "broken.lua:2", "stopped by the budget")]
    [InlineData("os.execute('sleep 4')\nfunction log(m) end\n", "broken.lua", "did not finish loading within startup-timeout (1 s)")]
    public async Task A_rule_that_does_not_load_stops_the_node_at_start_with_one_line_and_exit_1(string script, string where, string why)
    {
        var folder = TempFolder.Create();
        try
        {
            var port = TestNode.FreePort();
            var socket = Path.Combine(folder, "log");
            await File.WriteAllTextAsync(Path.Combine(folder, "broken.lua"), script);
            await File.WriteAllTextAsync(Path.Combine(folder, "good.lua"), "function log(m) end\n");
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners {
                    udp.enabled = false
                    tcp.bind = "127.0.0.1:{{port}}"
                    local.path = "{{socket}}"
                  }
                  rules {
                    good.script = "good.lua"
                    # Trusted, so it can block in os.execute, beyond the budget hook's reach.
                    broken { script = "broken.lua", trusted = true }
                  }
                  rule-defaults.startup-timeout = 1s
                }
                """);

            var clock = Stopwatch.StartNew();
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                // The listeners must never open, not even for a moment.
                var listened = false;
                while (!node.HasExited && clock.Elapsed < TimeSpan.FromSeconds(20))
                {
                    listened |= File.Exists(socket) || await AcceptsAsync(port);
                    await Task.Delay(20);
                }

                Assert.True(node.HasExited, $"the node still runs after {clock.Elapsed}");
                await node.WaitForExitAsync();
                Assert.Equal(1, node.ExitCode);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"exiting took {clock.Elapsed}");
                Assert.False(listened, "a listener opened");
                var line = Assert.Single(output.Stderr);
                Assert.StartsWith("syslogintr: rule 'broken': ", line);
                Assert.Contains(where, line);
                Assert.Contains(why, line);
                Assert.DoesNotContain("   at ", output.All);
            }
            finally
            {
                // A node that wrongly started must not outlive the test.
                if (!node.HasExited)
                {
                    node.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
