using System.Net;
using Syslogintr.Ingest;

namespace Syslogintr.Rules.Replay;

/// <summary>
/// Where replayed lines are taken to come from (<c>test-rule --origin</c>), so that <c>msg.remote</c> and
/// <c>msg.host</c> are what the node would give a message from that sender.
/// </summary>
public static class ReplayOrigin
{
    /// <summary>
    /// The default: a network sender without an address, so that <c>m.host</c> is the host the line names
    /// (a local socket's host would be its path) and a line that names none gets the parser's local host name.
    /// </summary>
    public static readonly Origin File = new(Transport.Udp, null, -1, "replay", -1, "replay");

    /// <summary>The socket a bare <c>local</c> names: the system's syslog socket.</summary>
    public const string DefaultSocket = "/dev/log";

    /// <summary>Reads <c>udp</c> (<see cref="File"/>), <c>udp:ADDR</c> (an IP address), <c>local</c> or <c>local:PATH</c>; false for anything else.</summary>
    public static bool TryParse(string text, out Origin origin)
    {
        origin = File;
        if (text == "udp")
        {
            return true;
        }

        if (text == "local")
        {
            origin = new Origin(Transport.Unix, null, -1, DefaultSocket, -1, "replay");
            return true;
        }

        if (text.StartsWith("local:", StringComparison.Ordinal) && text.Length > "local:".Length)
        {
            origin = new Origin(Transport.Unix, null, -1, text["local:".Length..], -1, "replay");
            return true;
        }

        if (text.StartsWith("udp:", StringComparison.Ordinal) && IPAddress.TryParse(text["udp:".Length..], out var address))
        {
            origin = new Origin(Transport.Udp, address.ToString(), -1, "replay", -1, "replay");
            return true;
        }

        return false;
    }
}
