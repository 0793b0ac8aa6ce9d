using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Node;

/// <summary>
/// What the original syslogintr's command line (and our additions to it) asks of a node:
/// <c>syslogintr [-4] [-6] [-i ADDR] [-I ADDR] [-l] [-s PATH] [-p PATH] [-c PATH] [-f] [-u USER] [-g GROUP] [script.lua]</c>.
/// </summary>
public sealed record ScriptMode
{
    /// <summary>The original's port: its -4/-6/-i/-I had no way to change it; <c>--port</c> does here.</summary>
    public const int SyslogPort = 514;

    /// <summary>The stock syslogd's pid file, reused by the original so init scripts keep working.</summary>
    public const string DaemonPidFile = "/var/run/syslogd.pid";

    /// <summary>Absolute path of the script (positional or <c>--script</c>); null: no script mode, the config's rules only.</summary>
    public string? Script { get; init; }

    /// <summary>UDP listeners' bind addresses (<c>0.0.0.0:514</c>, <c>[::1]:514</c>), in the order given.</summary>
    public IReadOnlyList<IPEndPoint> Udp { get; init; } = [];

    /// <summary>Unix datagram sockets' absolute paths (<c>-l</c> is /dev/log), in the order given.</summary>
    public IReadOnlyList<string> Unix { get; init; } = [];

    public bool Foreground { get; init; }

    /// <summary><c>--sandbox</c>: the script runs sandboxed, as HOCON rules do by default; the original's scripts are trusted.</summary>
    public bool Sandbox { get; init; }

    public string? LuaPath { get; init; }

    public string? LuaCPath { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    /// <summary>Whether any of -4/-6/-i/-I/-l/-s was given: then they are the node's only listeners.</summary>
    public bool HasListeners => Udp.Count > 0 || Unix.Count > 0;

    /// <summary>Whether the node becomes a daemon: in script mode (the original's way of running) unless <c>-f</c>.</summary>
    public bool Daemonize => Script is not null && !Foreground;

    /// <summary>The UDP bind for <c>-i ADDR</c> (<paramref name="ipv6"/> false) or <c>-I ADDR</c>: an address literal of that family.</summary>
    public static IPEndPoint UdpBind(string address, bool ipv6, int port)
    {
        var family = ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (!IPAddress.TryParse(address.Trim('[', ']'), out var ip) || ip.AddressFamily != family)
        {
            throw new ConfigurationException($"{(ipv6 ? "-I" : "-i")} '{address}' is not an {(ipv6 ? "IPv6" : "IPv4")} address");
        }

        return new IPEndPoint(ip, port);
    }

    /// <summary>
    /// <paramref name="config"/> (the user's <paramref name="user"/> over the defaults) with these options over it:
    /// the <c>script</c> rule, the listeners when any were given (the config's are all disabled then), no default file
    /// sink in script mode (files of the user's own stay), and the daemon's pid file unless the user names one.
    /// </summary>
    public Config Over(Config config, Config user)
    {
        var lines = new List<string>();
        if (Script is not null)
        {
            lines.Add($"syslogintr.rules.script.script = {NodeConfig.Quote(Script)}");
            lines.Add($"syslogintr.rules.script.trusted = {(Sandbox ? "false" : "true")}");
            lines.Add($"syslogintr.rules.script.lua-path = {NodeConfig.Quote(LuaPath ?? "")}");
            lines.Add($"syslogintr.rules.script.lua-cpath = {NodeConfig.Quote(LuaCPath ?? "")}");
            if (!user.HasPath("syslogintr.files.messages"))
            {
                // The original writes nothing the script does not write itself.
                lines.Add("syslogintr.files.messages.enabled = false");
            }
        }

        if (Daemonize && !user.HasPath("syslogintr.pid-file"))
        {
            lines.Add($"syslogintr.pid-file = {NodeConfig.Quote(DaemonPidFile)}");
        }

        if (HasListeners)
        {
            lines.AddRange(config.NamedEntries("syslogintr.listeners").Select(e => $"syslogintr.listeners.{NodeConfig.Quote(e.Name)}.enabled = false"));
            lines.AddRange(Udp.Select((bind, i) => $"syslogintr.listeners.cli-udp-{i} {{ kind = udp, bind = {NodeConfig.Quote(bind.ToString())} }}"));
            lines.AddRange(Unix.Select((path, i) => $"syslogintr.listeners.cli-unix-{i} {{ kind = unix, path = {NodeConfig.Quote(path)} }}"));
        }

        return lines.Count == 0 ? config : ConfigurationFactory.ParseString(string.Join('\n', lines)).WithFallback(config);
    }

    /// <summary>The port for -4/-6/-i/-I: 1 to 65535.</summary>
    public static int CheckPort(int port) => port is >= 1 and <= 65535
        ? port
        : throw new ConfigurationException($"--port {port.ToString(CultureInfo.InvariantCulture)} is not a port (1 to 65535)");
}
