using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Syslogintr.Ingest.Listeners;

namespace Syslogintr.Hosting;

/// <summary>
/// systemd's socket activation (sd_listen_fds(3)): when <c>LISTEN_PID</c> is ours, <c>LISTEN_FDS</c> sockets start at
/// fd 3, named by <c>LISTEN_FDNAMES</c>. Each must be a bound datagram socket (unix or UDP). One whose address is a
/// configured listener's (same unix path, same UDP address) is read by that listener, with its settings; any other
/// becomes a listener of its own, named after its fd name, with <c>listener-defaults</c>. Either way the listener
/// neither binds nor unlinks it: the service manager owns it and keeps it (and what arrives) across our restarts.
/// </summary>
public static partial class SocketActivation
{
    private const int FirstFd = 3;
    private const int FSetFd = 2;
    private const int FdCloExec = 1;

    /// <summary>Whether systemd handed this process sockets (until <see cref="FromEnvironment"/> takes them): they are bound by us, not in someone's way.</summary>
    public static bool HandedOver => Environment.GetEnvironmentVariable("LISTEN_PID") == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The sockets handed to this process; none without <c>LISTEN_PID</c> or when it names another process. The
    /// variables are removed and the fds made close-on-exec, as sd_listen_fds(1) does: the programs the node runs
    /// (exec actions, probes) inherit neither, and a second call (a second node in one process) finds nothing.
    /// </summary>
    public static IReadOnlyList<HandedOverSocket> FromEnvironment()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        var names = Environment.GetEnvironmentVariable("LISTEN_FDNAMES")?.Split(':') ?? [];
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        if (pid is null || count is null || pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return [];
        }

        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new StartupException($"LISTEN_FDS must be a number of sockets, not '{count}'");
        }

        return Enumerable.Range(0, n).Select(i => Open(FirstFd + i, i < names.Length && names[i].Length > 0 ? names[i] : null)).ToList();
    }

    /// <summary>The configured listeners, those bound to an inherited socket's address reading it, then one listener per other inherited socket.</summary>
    public static IReadOnlyList<ListenerSettings> Adopt(IReadOnlyList<ListenerSettings> configured, Config config, IReadOnlyList<HandedOverSocket> inherited)
    {
        var listeners = configured.ToList();
        foreach (var (name, kind, path, address, handedOver) in inherited)
        {
            var match = listeners.FindIndex(l => l.Kind == kind && l.Inherited is null && (kind == ListenerKind.Unix ? l.Path == path : Equals(l.Bind, address)));
            if (match >= 0)
            {
                listeners[match] = listeners[match] with { Inherited = handedOver };
                continue;
            }

            var listenerName = ListenerName().Replace(name, "-");
            if (listeners.Any(l => l.Name == listenerName))
            {
                throw new StartupException($"inherited socket {handedOver.Description} would be listener '{listenerName}', but a configured listener has that name and another address");
            }

            var entry = kind == ListenerKind.Unix
                ? $"kind = unix, path = {JsonSerializer.Serialize(path)}"
                : $"kind = udp, bind = {JsonSerializer.Serialize(address!.ToString())}";
            var own = ConfigurationFactory.ParseString($"syslogintr.listeners.{JsonSerializer.Serialize(listenerName)} {{ {entry} }}").WithFallback(config);
            listeners.Add(ListenerSettings.From(own).Single(l => l.Name == listenerName) with { Inherited = handedOver });
        }

        return listeners;
    }

    /// <param name="name">Its name in LISTEN_FDNAMES (FileDescriptorName=, by default the socket unit's name), if any.</param>
    private static HandedOverSocket Open(int fd, string? name)
    {
        var description = name is null ? $"fd {fd}" : $"fd {fd} '{name}'";
        name ??= $"fd{fd}";
        if (Fcntl(fd, FSetFd, FdCloExec) != 0)
        {
            throw new StartupException($"inherited socket {description}: LISTEN_FDS counts it, but it is not open");
        }

        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (SocketException e)
        {
            throw new StartupException($"inherited socket {description}: {e.Message}");
        }

        var datagram = socket.SocketType == SocketType.Dgram;
        var family = socket.AddressFamily;
        if (!datagram || family is not (AddressFamily.Unix or AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            socket.Dispose();
            throw new StartupException($"inherited socket {description}: a {socket.SocketType} {family} socket; only datagram sockets (ListenDatagram=, unix or UDP) can be handed to syslogintr");
        }

        var handedOver = new InheritedSocket(socket, description);
        if (family != AddressFamily.Unix)
        {
            return new HandedOverSocket(name, ListenerKind.Udp, null, (IPEndPoint)socket.LocalEndPoint!, handedOver);
        }

        if (socket.LocalEndPoint?.ToString() is not { Length: > 0 } path)
        {
            socket.Dispose();
            throw new StartupException($"inherited socket {description}: a unix socket with no path; only a bound one can be matched to a listener");
        }

        return new HandedOverSocket(name, ListenerKind.Unix, path, null, handedOver);
    }

    /// <summary>A listener's name is a HOCON key: what a path separator or quote would break becomes a dash.</summary>
    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex ListenerName();

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}

/// <summary>One socket of <c>LISTEN_FDS</c>: its fd name and the address it is bound to (a unix path or a UDP address).</summary>
public sealed record HandedOverSocket(string Name, ListenerKind Kind, string? Path, IPEndPoint? Bind, InheritedSocket Socket);
