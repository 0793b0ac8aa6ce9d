using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                var text = new StringBuilder();
                for (var i = 0; i < count; i++)
                {
                    text.Append("<13>Nov 29 10:00:00 h app[1]: message ").Append(i).Append('\n');
                }

                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
            }

            await Task.Delay(500);
            var stopping = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", node.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            var exited = node.WaitForExitAsync();
            Assert.Same(exited, await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(10))));
            Assert.Equal(0, node.ExitCode);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
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
}
