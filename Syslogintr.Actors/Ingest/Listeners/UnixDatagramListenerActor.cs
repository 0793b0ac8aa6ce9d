using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// A unix datagram socket of the /dev/log kind (also systemd's forwarding socket). The file is created mode 0666
/// (every local program may log), a stale file is removed at start and ours at stop.
/// </summary>
public sealed class UnixDatagramListenerActor : DatagramListenerActor
{
    private readonly Origin origin;

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
        if (File.Exists(path))
        {
            // A socket file left by a crashed run (or the previous syslogd): binding over it would fail.
            File.Delete(path);
        }

        SocketOptions.SetReceiveBuffer(socket, Settings.ReceiveBuffer);
        socket.Bind(new UnixDomainSocketEndPoint(path));
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

    protected override void PostStop()
    {
        base.PostStop();
        try
        {
            File.Delete(Settings.Path!);
        }
        catch (IOException e)
        {
            Log.Warning("listener {0}: could not remove {1}: {2}", Settings.Name, Settings.Path, e.Message);
        }
    }
}
