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
    /// Asks for a receive buffer of <paramref name="bytes"/> and returns what the kernel granted. Linux caps
    /// SO_RCVBUF at net.core.rmem_max; as root SO_RCVBUFFORCE goes past it. Linux reports double the usable size.
    /// </summary>
    public static int SetReceiveBuffer(Socket socket, int bytes)
    {
        socket.ReceiveBufferSize = bytes;
        if (socket.ReceiveBufferSize < bytes && OperatingSystem.IsLinux())
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

        return socket.ReceiveBufferSize;
    }
}
