using System.Diagnostics;
using System.Net.Sockets;

namespace Syslogintr.Probes;

/// <summary>Up when a TCP connection to host:port succeeds.</summary>
public sealed class TcpProbe(string host, int port) : IProbe
{
    public async Task<ProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cancellationToken);
        }
        catch (SocketException e)
        {
            return ProbeResult.Down($"connect to {host}:{port} failed: {e.SocketErrorCode}");
        }

        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return ProbeResult.Ok($"connected to {host}:{port} in {ms:0.0} ms");
    }
}
