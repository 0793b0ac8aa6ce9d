using System.Net.Sockets;
using Syslogintr.Ingest.Listeners;

namespace Syslogintr.Tests.Ingest;

/// <summary>
/// The receive buffer a datagram listener asks for, and the size it reports granted, in the terms of the setting:
/// Linux reports double what it grants, which once hid that SO_RCVBUF had been capped at net.core.rmem_max (half the
/// buffer asked, even as root).
/// </summary>
public sealed class ReceiveBufferTests
{
    [Fact]
    public void A_buffer_within_the_kernels_cap_is_granted_and_reported_as_asked()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        var granted = SocketOptions.SetReceiveBuffer(socket, 64 * 1024);

        Assert.Equal(64 * 1024, granted);
    }

    [PrivilegedFact]
    public void As_root_a_buffer_beyond_rmem_max_is_granted_in_full()
    {
        var cap = int.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var asked = Math.Min(cap, 64 << 20) * 2;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        var granted = SocketOptions.SetReceiveBuffer(socket, asked);

        Assert.Equal(asked, granted);
        // What the kernel itself says (it doubles the size granted): not capped at rmem_max.
        Assert.Equal(2 * asked, socket.ReceiveBufferSize);
    }

    /// <summary>Skipped, with the reason, where SO_RCVBUFFORCE is not allowed (not root).</summary>
    private sealed class PrivilegedFactAttribute : FactAttribute
    {
        public PrivilegedFactAttribute()
        {
            if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
            {
                Skip = "SO_RCVBUFFORCE needs CAP_NET_ADMIN: run as root";
            }
        }
    }
}
