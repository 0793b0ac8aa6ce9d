using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// A unix datagram socket of the /dev/log kind (also systemd's forwarding socket). The file is created mode 0666
/// (every local program may log). A stale socket (nobody bound) is replaced at start; anything else at the path
/// (a live socket, a regular file) refuses the start; at stop only the socket we created is removed.
/// </summary>
public sealed class UnixDatagramListenerActor : DatagramListenerActor
{
    private readonly Origin origin;
    private ulong? createdInode;

    public UnixDatagramListenerActor(ListenerSettings settings, NodeServices node)
        : base(settings, node)
    {
        origin = new Origin(Transport.Unix, null, -1, settings.Path!, -1, settings.Name);
    }

    public static Props Props(ListenerSettings settings, NodeServices node) =>
        Akka.Actor.Props.Create(() => new UnixDatagramListenerActor(settings, node));

    protected override Socket CreateSocket() => new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    protected override void Bind(Socket socket)
    {
        var path = Settings.Path!;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        UnixSocketFile.Claim(path);
        SocketOptions.SetReceiveBuffer(socket, Settings.ReceiveBuffer);
        socket.Bind(new UnixSocketPath(path));
        createdInode = UnixSocketFile.SocketInode(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        }
    }

    protected override string Describe(Socket socket) => $"unix datagram {Settings.Path}";

    // Receive, not ReceiveFrom: local senders are unnamed and ReceiveFrom would not say who sent anyway.
    protected override int Receive(Socket socket, byte[] buffer, out Origin from)
    {
        from = origin;
        return socket.Receive(buffer, SocketFlags.None);
    }

    protected override Origin OriginOf(ReadOnlySpan<byte> sender) => origin;

    protected override void PostStop()
    {
        base.PostStop();
        try
        {
            if (createdInode is { } inode && !UnixSocketFile.RemoveIfOurs(Settings.Path!, inode))
            {
                Log.Warning("listener {0}: {1} is no longer our socket; left in place", Settings.Name, Settings.Path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warning("listener {0}: could not remove {1}: {2}", Settings.Name, Settings.Path, e.Message);
        }
    }
}
