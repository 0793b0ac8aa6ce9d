using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Syslogintr.Tests.Support;

/// <summary>A plain syslog client over TCP: newline-framed lines on one loopback connection.</summary>
public static class SyslogTcp
{
    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and writes <paramref name="count"/> lines (line i is <paramref name="line"/>(i)) in one write.</summary>
    public static async Task SendLinesAsync(int port, int count, Func<int, string> line)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(line(i)).Append('\n');
        }

        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
    }
}
