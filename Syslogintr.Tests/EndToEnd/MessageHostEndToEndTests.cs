using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>
/// <c>msg.host</c> is what the original syslogintr gave its scripts (the sender's address, an address literal standing
/// for the host in the header, a local socket's path, <c>(internal)</c>), and <c>msg.hostname</c> the header's host
/// name, over every transport: the original's scripts compare <c>msg.host</c> with addresses and must still match.
/// </summary>
public sealed class MessageHostEndToEndTests
{
    // The address checks of the original's using.lua (Copyright 2010 Sean Conner, GPL-3.0-or-later; see
    // shared/testdata/original-syslogintr/LICENSE), with this machine's addresses in place of the author's LAN.
    private const string Keys = """
        function log(msg)
          local matched = "-"
          if msg.host == '127.0.0.1' or msg.host == '192.168.1.100' then
            matched = "address"
          elseif msg.host == options.socket then
            matched = "socket"
          end
          write(options.dir .. "/keys.log", table.concat({ msg.msg, msg.host, msg.hostname, msg.relay, tostring(msg.remote), matched }, "|"))
        end
        """;

    [Fact]
    public async Task Host_is_the_originals_and_hostname_the_headers_over_udp_tcp_unix_and_internal()
    {
        var folder = TempFolder.Create();
        File.WriteAllText(Path.Combine(folder, "keys.lua"), Keys);
        File.WriteAllText(Path.Combine(folder, "emit.lua"), """
            local sent = false
            function log(msg) end
            function alarm_handler()
              if not sent then sent = true; syslog("info", "internal-hello") end
            end
            alarm(1)
            """);
        try
        {
            await using var node = await TestNode.StartAsync($$"""
                syslogintr {
                  hostname = "node-a"
                  write.allowed-directories = ["{{folder}}"]
                  rules.keys {
                    script = "{{folder}}/keys.lua"
                    allowed-paths = ["{{folder}}"]
                    options { dir = "{{folder}}", socket = "{{folder}}/log" }
                  }
                  rules.emit.script = "{{folder}}/emit.lua"
                  listeners.local.path = "{{folder}}/log"
                }
                """);
            var socketPath = Path.Combine(folder, "log");
            using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                foreach (var datagram in new[] { "<13>Dec  1 12:00:00 web1 app: udp-named", "<13>Dec  1 12:00:00 192.0.2.7 app: udp-literal" })
                {
                    udp.SendTo(Encoding.UTF8.GetBytes(datagram), new IPEndPoint(IPAddress.Loopback, node.Port));
                }
            }

            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(IPAddress.Loopback, node.Port);
                await tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes("<13>Dec  1 12:00:00 web2 app: tcp-named\n"));
            }

            using (var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            {
                foreach (var datagram in new[] { "<13>Dec  1 12:00:00 app: unix-plain", "<13>Dec  1 12:00:00 10.1.2.3 app: unix-literal" })
                {
                    unix.SendTo(Encoding.UTF8.GetBytes(datagram), new UnixDomainSocketEndPoint(socketPath));
                }
            }

            string[] texts = ["udp-named", "udp-literal", "tcp-named", "unix-plain", "unix-literal", "internal-hello"];
            var lines = await WaitForLinesAsync(Path.Combine(folder, "keys.log"), texts);
            string Line(string text) => Assert.Single(lines, l => l.StartsWith(text + "|", StringComparison.Ordinal));
            Assert.Equal("udp-named|127.0.0.1|web1|127.0.0.1|true|address", Line("udp-named"));
            Assert.Equal("udp-literal|192.0.2.7|192.0.2.7|127.0.0.1|true|-", Line("udp-literal"));
            Assert.Equal("tcp-named|127.0.0.1|web2|127.0.0.1|true|address", Line("tcp-named"));
            Assert.Equal($"unix-plain|{socketPath}|node-a||false|socket", Line("unix-plain"));
            Assert.Equal("unix-literal|10.1.2.3|10.1.2.3||false|-", Line("unix-literal"));
            Assert.Equal("internal-hello|(internal)|node-a||false|-", Line("internal-hello"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>The file's lines once one starts with each of <paramref name="texts"/> (other messages come too), or after 10 s.</summary>
    private static async Task<string[]> WaitForLinesAsync(string path, string[] texts)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var found = Array.Empty<string>();
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                found = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (texts.All(t => found.Any(l => l.StartsWith(t + "|", StringComparison.Ordinal))))
                {
                    return found;
                }
            }

            await Task.Delay(50);
        }

        return found;
    }
}
