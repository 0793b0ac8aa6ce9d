using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Syslogintr.Tests.Original;

/// <summary>
/// The host a script relays to: a UDP socket on port 514 of an address inside the run's network namespace (a
/// multicast group is joined on <c>lo</c>), collecting every datagram as text.
/// </summary>
public sealed class RelayReceiver : IDisposable
{
    private readonly Socket socket;
    private readonly ConcurrentQueue<string> datagrams = new();
    private readonly CancellationTokenSource stop = new();

    private RelayReceiver(Socket socket)
    {
        this.socket = socket;
        _ = Task.Run(ReceiveAsync);
    }

    public IReadOnlyList<string> Datagrams => [.. datagrams];

    internal static RelayReceiver Create(int namespacePid, IPAddress address) => new(NetworkNamespace.Inside(namespacePid, () =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 514));
        if (IsMulticast(address))
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(address, IPAddress.Loopback));
        }

        return socket;
    }));

    /// <summary>Waits until a datagram satisfies <paramref name="wanted"/>; fails the test with what came instead.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> wanted, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (datagrams.FirstOrDefault(wanted) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no relayed datagram {what}; received:\n{string.Join('\n', datagrams)}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        socket.Dispose();
        stop.Dispose();
    }

    private static bool IsMulticast(IPAddress address) => address.GetAddressBytes()[0] is >= 224 and <= 239;

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var received = await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                datagrams.Enqueue(Encoding.UTF8.GetString(buffer, 0, received));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed: the run is over.
        }
    }
}
