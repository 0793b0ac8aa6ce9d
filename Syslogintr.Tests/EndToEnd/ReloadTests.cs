using System.Diagnostics;
using Akka.Configuration;
using Syslogintr.Node;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary><c>syslogintr reload</c> signals a live node, and nothing else a pid file may name after a kill -9.</summary>
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
}
