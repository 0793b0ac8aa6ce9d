using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using Syslogintr.Node;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary><c>syslogintr reload</c> signals a live node, and nothing else a pid file may name after a kill -9; the node reruns changed scripts as the original does.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Reload_refuses_a_pid_file_that_names_an_unrelated_process_and_does_not_signal_it()
    {
        var folder = TempFolder.Create();
        using var sleep = Process.Start("sleep", "30");
        try
        {
            var pidFile = Path.Combine(folder, "node.pid");
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $"syslogintr.pid-file = \"{pidFile}\"");

            // A stale pid file (its node was killed -9) whose pid now belongs to someone else.
            await File.WriteAllTextAsync(pidFile, $"{sleep.Id}\n");
            var (exitCode, _, error) = await NodeExecutable.RunAsync(folder, "reload", "--config", config);
            Assert.Equal(1, exitCode);
            Assert.Contains("no running node holds it (stale pid file); not signalling", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

            // Held by a live process that is no node (this test), naming another that is no node either.
            using (var held = PidFile.Acquire(ConfigurationFactory.ParseString($"syslogintr.pid-file = \"{pidFile}\"")))
            {
                await File.WriteAllTextAsync(pidFile, $"{sleep.Id}\n");
                (exitCode, _, error) = await NodeExecutable.RunAsync(folder, "reload", "--config", config);
                Assert.Equal(1, exitCode);
                Assert.Contains($"pid {sleep.Id} in {pidFile} is not a syslogintr node; not signalling", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            }

            // SIGUSR1's default action would have killed it.
            await Task.Delay(200);
            Assert.False(sleep.HasExited, "the unrelated process got a signal");
        }
        finally
        {
            sleep.Kill();
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public void A_second_node_refuses_a_pid_file_a_live_node_holds()
    {
        var folder = TempFolder.Create();
        try
        {
            var config = ConfigurationFactory.ParseString($"syslogintr.pid-file = \"{folder}/run/node.pid\"");
            using var first = PidFile.Acquire(config);
            first.Publish();

            var refused = Assert.Throws<Hosting.StartupException>(() => PidFile.Acquire(config));

            Assert.Equal($"another node (pid {Environment.ProcessId}) is running with the pid file {folder}/run/node.pid", refused.Message);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Reload_signals_a_running_node_which_keeps_running()
    {
        var folder = TempFolder.Create();
        try
        {
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr.listeners {
                  udp.enabled = false
                  tcp.bind = "127.0.0.1:{{TestNode.FreePort()}}"
                  local.path = "{{folder}}/log"
                }
                syslogintr.files.messages.path = "{{folder}}/messages"
                """);
            using var node = NodeExecutable.Start(folder, "run", "--config", config);
            try
            {
                await NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid"));

                var (exitCode, output, error) = await NodeExecutable.RunAsync(folder, "reload", "--config", config);

                Assert.True(exitCode == 0, error);
                Assert.Contains($"asked node {node.Id} to reload", output);
                await Task.Delay(200);
                Assert.False(node.HasExited);
            }
            finally
            {
                node.Kill();
                await node.WaitForExitAsync();
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Sigusr1_reruns_a_changed_script_in_its_running_state_so_a_counter_goes_on_and_a_guard_does_not_rerun()
    {
        var folder = TempFolder.Create();
        try
        {
            // write() may write under ./var/log only (the node runs in the folder).
            var lines = Path.Combine(folder, "var", "log", "counted.log");
            var socket = Path.Combine(folder, "log");
            string Script(string version) => $$"""
                count = (count or 0)
                if seen == nil then seen = true write('{{lines}}', 'guard ran') end
                function log(m) count = count + 1 write('{{lines}}', '{{version}} ' .. count) end
                """;
            var script = Path.Combine(folder, "counter.lua");
            await File.WriteAllTextAsync(script, Script("v1"));
            var config = Path.Combine(folder, "node.conf");
            await File.WriteAllTextAsync(config, $$"""
                syslogintr {
                  listeners {
                    udp.enabled = false
                    tcp.enabled = false
                    local.path = "{{socket}}"
                  }
                  files.messages.path = "{{folder}}/messages"
                  rules.counter { script = "{{script}}", allowed-paths = ["./var/log"] }
                }
                """);
            var output = new OutputLines();
            using var node = NodeExecutable.Start(folder, output, "run", "--config", config);
            try
            {
                await Task.WhenAny(NodeExecutable.WaitForPidAsync(Path.Combine(folder, "run", "syslogintr.pid")), node.WaitForExitAsync());
                Assert.False(node.HasExited, output.All);
                using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                var endpoint = new UnixDomainSocketEndPoint(socket);
                void Send() => sender.SendTo(Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 app[1]: hello"), endpoint);

                Send();
                Send();
                await WaitForLineAsync(lines, "v1 2");
                await File.WriteAllTextAsync(script, Script("v2"));
                var (exitCode, _, error) = await NodeExecutable.RunAsync(folder, "reload", "--config", config);
                Assert.True(exitCode == 0, error);

                // Until the node has handled SIGUSR1, messages still meet v1.
                var clock = Stopwatch.StartNew();
                while (!File.ReadAllLines(lines).Any(l => l.StartsWith("v2 ", StringComparison.Ordinal)) && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Send();
                    await Task.Delay(100);
                }

                var written = File.ReadAllLines(lines);
                Assert.Equal("guard ran", Assert.Single(written, l => l == "guard ran"));
                var counts = written.Where(l => l != "guard ran").ToList();
                Assert.Contains(counts, l => l.StartsWith("v2 ", StringComparison.Ordinal));
                Assert.Equal(Enumerable.Range(1, counts.Count).Select(i => i.ToString()), counts.Select(l => l.Split(' ')[1]));
            }
            finally
            {
                node.Kill();
                await node.WaitForExitAsync();
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>The rule's write()s reach the file within the files' flush interval.</summary>
    private static async Task WaitForLineAsync(string path, string line)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(path) && File.ReadAllLines(path).Contains(line)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"no line '{line}' in {path}");
            await Task.Delay(50);
        }
    }
}
