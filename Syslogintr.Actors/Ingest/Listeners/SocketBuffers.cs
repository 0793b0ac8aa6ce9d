using System.Net.Sockets;

namespace Syslogintr.Ingest.Listeners;

internal static class SocketBuffers
{
    private const int SolSocket = 1;
    private const int SoRcvBufForce = 33;

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
