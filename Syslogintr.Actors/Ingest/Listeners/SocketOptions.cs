using System.Net.Sockets;

namespace Syslogintr.Ingest.Listeners;

internal static class SocketOptions
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private const int SoRcvBufForce = 33;

    /// <summary>
    /// SO_REUSEADDR alone, so a restarted node can rebind a port with connections in TIME_WAIT. .NET's
    /// <see cref="SocketOptionName.ReuseAddress"/> also sets SO_REUSEPORT on Linux, which would let a second node
    /// share the port silently (the kernel splits the traffic) instead of failing with "address in use".
    /// </summary>
    public static void AllowRebind(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }

    /// <summary>
    /// Asks for a receive buffer of <paramref name="bytes"/> and returns the size granted, in the same terms. Linux
    /// caps SO_RCVBUF at net.core.rmem_max; with CAP_NET_ADMIN (root) SO_RCVBUFFORCE goes past it. Linux doubles
    /// what it grants (room for its bookkeeping) and reports the doubled figure: a capped request read back raw looks
    /// granted in full, so the comparison and the result use half of it.
    /// </summary>
    public static int SetReceiveBuffer(Socket socket, int bytes)
    {
        socket.ReceiveBufferSize = bytes;
        if (Granted(socket) < bytes && OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(bytes));
            }
            catch (SocketException)
            {
                // Not privileged: keep what SO_RCVBUF gave.
            }
        }

        return Granted(socket);
    }

    private static int Granted(Socket socket) => OperatingSystem.IsLinux() ? socket.ReceiveBufferSize / 2 : socket.ReceiveBufferSize;
}
