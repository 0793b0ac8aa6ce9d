using System.Diagnostics;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>The real executable, stopped the way init systems stop it.</summary>
[Collection(SerialCollection.Name)]
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_stops_listening_drains_the_queue_flushes_files_and_exits_0_within_seconds()
    {
        var folder = TempFolder.Create();
        try
        {
            var port = TestNode.FreePort();
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners {
                    udp.enabled = false
                    tcp.bind = "127.0.0.1:{{port}}"
                    local.path = "{{folder}}/log"
                  }
                  # Nothing reaches the file before shutdown unless the shutdown flush writes it.
                  files.messages { path = "{{folder}}/messages", flush-interval = 1h }
                }
                """);
            using var node = NodeExecutable.Start(folder, "run", "--config", config);
            await NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid"));

            const int count = 5000;
            await SyslogTcp.SendLinesAsync(port, count, i => $"<13>Nov 29 10:00:00 h app[1]: message {i}");
            await Task.Delay(500);
            var stopping = await SigtermAsync(node, TimeSpan.FromSeconds(10));
            Assert.True(stopping < TimeSpan.FromSeconds(5), $"stopping took {stopping}");
            var lines = await File.ReadAllLinesAsync(Path.Combine(folder, "messages"));
            Assert.Equal(count, lines.Length);
            Assert.EndsWith($"message {count - 1}", lines[^1]);
            Assert.False(File.Exists(Path.Combine(folder, "log")), "the unix socket file was left behind");
            Assert.False(File.Exists(Path.Combine(folder, "run", "syslogintr.pid")), "the pid file was left behind");
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Sigterm_with_a_stuck_rule_exits_within_the_drain_timeout_and_counts_what_it_dropped()
    {
        var folder = TempFolder.Create();
        try
        {
            var port = TestNode.FreePort();
            var config = Path.Combine(folder, "node.conf");
            // Blocked in a child process, where no Lua budget reaches: the worker never finishes its first message.
            await File.WriteAllTextAsync(Path.Combine(folder, "stuck.lua"), "function log(m) os.execute('exec sleep 5 </dev/null >/dev/null 2>&1') end\n");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  pipeline { drain-timeout = 2s, max-messages-in-flight = 100, batch-size = 50 }
                  listeners {
                    udp.enabled = false
                    tcp.bind = "127.0.0.1:{{port}}"
                    local.path = "{{folder}}/log"
                  }
                  files.messages { path = "{{folder}}/messages", flush-interval = 100ms }
                  # Trusted, so it may call os.execute.
                  rules.stuck { script = "{{folder}}/stuck.lua", trusted = true }
                }
                """);
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            await NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid"));

            const int count = 1000;
            await SyslogTcp.SendLinesAsync(port, count, i => $"<13>Nov 29 10:00:00 h app[1]: message {i}");
            await Task.Delay(500);
            var stopping = await SigtermAsync(node, TimeSpan.FromSeconds(15));
            Assert.True(stopping < TimeSpan.FromSeconds(2 + 2.5), $"stopping took {stopping}");
            Assert.Equal(count, (await File.ReadAllLinesAsync(Path.Combine(folder, "messages"))).Length);

            // The final summary accounts for every message sent to the rule: none delivered (it never finished one),
            // the rest dropped as lagging (out of credit) or at shutdown (handed over, never acknowledged).
            var log = output.All;
            var shutdown = Regex.Match(log, @"shutdown: (\d+) messages were not delivered within drain-timeout");
            Assert.True(shutdown.Success, log);
            var summary = Regex.Match(log, @"counters at stop: .*rule:stuck: delivered=(\d+) in_flight=(\d+) dropped=(\d+) \(lagging=(\d+) shutdown=(\d+)\)");
            Assert.True(summary.Success, log);
            var (delivered, inFlight, dropped, lagging, atShutdown) = (Number(1), Number(2), Number(3), Number(4), Number(5));
            Assert.Equal((0, 0), (delivered, inFlight));
            Assert.Equal(count, delivered + dropped);
            Assert.Equal(dropped, lagging + atShutdown);
            Assert.InRange(atShutdown, 1, count);
            Assert.Equal(atShutdown, int.Parse(shutdown.Groups[1].Value));

            int Number(int group) => int.Parse(summary.Groups[group].Value);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>Sends <paramref name="count"/> numbered lines over one TCP connection and closes it.</summary>
    /// <summary>Sends SIGTERM as an init system does; asserts the node exits 0 within <paramref name="limit"/> and returns how long it took.</summary>
    private static async Task<TimeSpan> SigtermAsync(Process node, TimeSpan limit)
    {
        var stopping = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", node.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        var exited = node.WaitForExitAsync();
        Assert.Same(exited, await Task.WhenAny(exited, Task.Delay(limit)));
        Assert.Equal(0, node.ExitCode);
        return stopping.Elapsed;
    }
}
