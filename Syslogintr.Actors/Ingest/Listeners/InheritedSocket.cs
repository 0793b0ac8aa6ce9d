using System.Net.Sockets;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// A datagram socket another program bound and handed to the node (a service manager's socket activation). A
/// listener given one reads it instead of creating, binding and, at stop, unlinking a socket of its own. It is taken
/// once: the listener closes it when it stops, so a listener whose socket failed at run time cannot start on it again
/// (it logs that it could not); the service manager keeps its own copy and hands it over again at the next start.
/// </summary>
public sealed class InheritedSocket(Socket socket, string description)
{
    private Socket? untaken = socket;

    /// <summary>Where it came from, for the log: e.g. <c>fd 3 'syslogintr.socket'</c>.</summary>
    public string Description { get; } = description;

    public Socket Take() => Interlocked.Exchange(ref untaken, null)
        ?? throw new IOException($"the inherited socket ({Description}) was closed when the listener stopped; restart the service to be handed it again");
}
