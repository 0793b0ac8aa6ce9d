using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>UDP syslog (RFC 5426) on one address, IPv4 or IPv6; joins the group when the address is multicast.</summary>
public sealed class UdpListenerActor : DatagramListenerActor
{
    private readonly IPEndPoint bind;
    private SocketAddress? from;
    private byte[] lastFrom = [];
    private Origin? lastOrigin;

    public UdpListenerActor(ListenerSettings settings, NodeServices node)
        : base(settings, node)
    {
        bind = settings.Bind!;
    }

    public static Props Props(ListenerSettings settings, NodeServices node) =>
        Akka.Actor.Props.Create(() => new UdpListenerActor(settings, node));

    protected override void PreStart()
    {
        base.PreStart();
        if (Socket?.LocalEndPoint is IPEndPoint local)
        {
            Counters.ReadKernelDropsFrom(KernelUdpDrops.Of(local));
        }
    }

    /// <summary>One last reading of the kernel's count, so the summary at stop is complete; then the port is not ours.</summary>
    protected override void PostStop()
    {
        Counters.ReadKernelDropsFrom(null);
        base.PostStop();
    }

    protected override Socket CreateSocket() => new(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);

    protected override void Bind(Socket socket)
    {
        if (bind.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // "[::]" means IPv6 only; bind 0.0.0.0 separately for IPv4, as the original's -4/-6 did.
            socket.DualMode = false;
        }

        var granted = SocketOptions.SetReceiveBuffer(socket, Settings.ReceiveBuffer);
        if (granted < Settings.ReceiveBuffer)
        {
            // A burst longer than the buffer holds is dropped by the kernel (kernel_dropped): say how to get it all.
            Log.Warning("listener {0}: receive buffer {1} bytes granted, {2} asked: the kernel caps it at net.core.rmem_max without CAP_NET_ADMIN (raise the sysctl or grant the capability)", Settings.Name, granted, Settings.ReceiveBuffer);
        }
        else
        {
            Log.Info("listener {0}: receive buffer {1} bytes granted", Settings.Name, granted);
        }
        if (IsMulticast(bind.Address))
        {
            // Several receivers (a viewer, as the original's realtime.lua) may share a multicast group's port.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(bind.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, bind.Port));
            JoinGroup(socket, bind.Address);
        }
        else
        {
            socket.Bind(bind);
        }

        from = new SocketAddress(bind.AddressFamily);
    }

    protected override void Adopt(Socket socket)
    {
        base.Adopt(socket);
        from = new SocketAddress(bind.AddressFamily);
    }

    protected override string Describe(Socket socket) => $"udp {socket.LocalEndPoint}";

    protected override int Receive(Socket socket, byte[] buffer, out Origin origin)
    {
        var length = socket.ReceiveFrom(buffer, SocketFlags.None, from!);
        origin = OriginOf(from!.Buffer.Span[..from.Size]);
        return length;
    }

    protected override Origin OriginOf(ReadOnlySpan<byte> sender)
    {
        // Most traffic comes from a few senders: reuse their Origin instead of formatting an address per datagram.
        if (lastOrigin is null || !sender.SequenceEqual(lastFrom))
        {
            var address = new SocketAddress(bind.AddressFamily, sender.Length);
            sender.CopyTo(address.Buffer.Span);
            var endpoint = (IPEndPoint)bind.Create(address);
            var ip = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
            lastFrom = sender.ToArray();
            lastOrigin = new Origin(Transport.Udp, ip.ToString(), endpoint.Port, bind.Address.ToString(), bind.Port, Settings.Name);
        }

        return lastOrigin;
    }

    private static bool IsMulticast(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6
        ? address.IsIPv6Multicast
        : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    /// <summary>Joins the group on any interface, without looping our own sends back ("Syslog loops are *NOT* fun").</summary>
    private static void JoinGroup(Socket socket, IPAddress group)
    {
        if (group.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, IPAddress.Any));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
        }
        else
        {
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
        }
    }
}

/// <summary>
/// The kernel's count of datagrams dropped on a UDP socket (full receive buffer), from /proc/net/udp{,6}: the rows
/// of its own address and port (sockets sharing both with SO_REUSEPORT are summed), never those of another socket
/// that only shares the port on another address (a relay receiver on 127.0.0.2:514 beside us on 127.0.0.1:514).
/// </summary>
internal static class KernelUdpDrops
{
    /// <summary>Reads the count for the socket bound to <paramref name="local"/>; null off Linux or when the table cannot be read.</summary>
    public static Func<long?> Of(IPEndPoint local)
    {
        if (!OperatingSystem.IsLinux())
        {
            return () => null;
        }

        var table = local.AddressFamily == AddressFamily.InterNetworkV6 ? "/proc/net/udp6" : "/proc/net/udp";
        // The kernel writes the address as 32-bit words in host order (little-endian here), each as 8 hex digits.
        var address = string.Concat(local.Address.GetAddressBytes().Chunk(4).Select(word => string.Concat(word.Reverse().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))));
        var endpoint = address + ":" + local.Port.ToString("X4", CultureInfo.InvariantCulture);
        return () => Read(table, endpoint);
    }

    private static long? Read(string table, string endpoint)
    {
        try
        {
            long? total = null;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 13 && fields[1] == endpoint && long.TryParse(fields[^1], out var drops))
                {
                    total = (total ?? 0) + drops;
                }
            }

            return total;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
