using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>
/// A sender that puts a newline into a host name or a structured-data value gets one line per message into the
/// file, into a rule's <c>write()</c> and onto a relay — never a forged second one.
/// </summary>
public sealed class LogInjectionEndToEndTests
{
    private const string ForgedHost = "<13>Dec  1 00:00:00 evil\nDec  1 00:00:00 fakehost sshd[1]: FORGED x: y";
    private const string ForgedSd = "<13>1 2026-12-01T00:00:00Z h app - - [x@1 k=\"v\n<0>1 2026-12-01T00:00:00Z fakehost sshd 1 - - FORGED\"] sd";

    [Theory]
    [InlineData("traditional")]
    [InlineData("rfc5424")]
    public async Task Forged_newlines_over_udp_give_one_line_per_message_in_file_write_and_relay(string format)
    {
        var folder = TempFolder.Create();
        using var relayTarget = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relayTarget.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relayTarget.ReceiveTimeout = 10_000;
        File.WriteAllText(Path.Combine(folder, "inject.lua"), """
            local target = host("127.0.0.1", options.port)
            function log(m)
              write(options.dir .. "/written.log", m.host .. " " .. m.msg)
              m.program = "re\nlayed"
              relay(target, m)
            end
            """);
        try
        {
            await using var node = await TestNode.StartAsync($$"""
                syslogintr {
                  files.messages { select = "user.*", format = {{format}}, escape-control-characters = false }
                  write.allowed-directories = ["{{folder}}"]
                  rules.inject {
                    script = "{{folder}}/inject.lua"
                    match.facility = [user]
                    allowed-paths = ["{{folder}}"]
                    options { dir = "{{folder}}", port = {{((IPEndPoint)relayTarget.LocalEndPoint!).Port}} }
                  }
                }
                """);
            using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                foreach (var datagram in new[] { ForgedHost, ForgedSd })
                {
                    udp.SendTo(Encoding.UTF8.GetBytes(datagram), new IPEndPoint(IPAddress.Loopback, node.Port));
                }
            }

            var lines = await node.WaitForLinesAsync(l => l.Count >= 2 && l.Any(x => x.EndsWith(" sd", StringComparison.Ordinal)));
            await Task.Delay(300); // a forged third line would be written with the other two
            lines = node.ReadLines();
            Assert.True(lines.Count == 2, "file lines:\n" + string.Join("\n", lines));
            Assert.Single(lines, l => l.Contains("evil#012Dec  1 00:00:00 fakehost sshd[1]: FORGED x: y"));
            if (format == "rfc5424")
            {
                Assert.Single(lines, l => l.Contains("[x@1 k=\"v#012<0>1 2026-12-01T00:00:00Z fakehost sshd 1 - - FORGED\"] sd"));
            }

            Assert.DoesNotContain(lines, l => l.Contains("fakehost") && !l.Contains("#012"));

            var written = await WaitForFileAsync(Path.Combine(folder, "written.log"), 2);
            Assert.True(written.Length == 2, "written lines:\n" + string.Join("\n", written));
            Assert.Equal("127.0.0.1 evil#012Dec  1 00:00:00 fakehost sshd[1]: FORGED x: y", written[0]);

            var buffer = new byte[65536];
            for (var i = 0; i < 2; i++)
            {
                var relayed = Encoding.UTF8.GetString(buffer, 0, relayTarget.Receive(buffer));
                Assert.True(relayed.IndexOfAny(['\n', '\r']) < 0, "relayed: " + relayed);
                Assert.Contains("re#012layed", relayed);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static async Task<string[]> WaitForFileAsync(string path, int lines)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var found = Array.Empty<string>();
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                found = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (found.Length >= lines)
                {
                    return found;
                }
            }

            await Task.Delay(50);
        }

        return found;
    }
}
