using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>What rsyslog extracted from one message (its property names; "-" and "" mean none).</summary>
internal sealed record RsyslogFields(
    string Pri, string Hostname, string ProgramName, string SyslogTag, string ProcId, string MsgId, string Timestamp, string Msg);

/// <summary>
/// The real <c>rsyslogd</c> as the oracle (<see cref="RsyslogDaemon"/>, in UTC: RFC 3164 timestamps are local time and
/// both sides read them so): one imudp input on a free loopback port, writing each message's parsed properties as a
/// JSON line. Network input, as our listeners see it: a message that names no host gets the sender's address, here
/// "127.0.0.1" (DNS off).
/// </summary>
internal sealed class RsyslogOracle : IDisposable
{
    private const string OutputFile = "out.json";
    private readonly int port = FreeUdpPort();
    private readonly RsyslogDaemon daemon;

    public RsyslogOracle() =>
        daemon = RsyslogDaemon.Start(Directory.CreateTempSubdirectory("rsyslog-oracle-").FullName, "UTC", folder => Config(folder, port));

    /// <summary>Sends each line as one datagram and returns rsyslog's reading of each, in order.</summary>
    public async Task<IReadOnlyList<RsyslogFields>> ParseAsync(IReadOnlyList<string> lines)
    {
        await daemon.WaitUntilListeningAsync(port, udp: true, OutputFile);

        // Probes sent before the bind are lost; those after it are all in the file once it stops growing.
        await Task.Delay(200);
        var probes = daemon.Read(OutputFile).Count;
        using var sender = new UdpClient(AddressFamily.InterNetwork);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        for (var i = 0; i < lines.Count; i++)
        {
            await sender.SendAsync(Encoding.UTF8.GetBytes(lines[i]), target);
            if (i % 100 == 99)
            {
                // Keep well inside the socket's receive buffer: a datagram dropped on loopback would shift every answer after it.
                await WaitForLinesAsync(probes + i + 1);
            }
        }

        var all = await WaitForLinesAsync(probes + lines.Count);
        return [.. all.Skip(probes).Select(Fields)];
    }

    private async Task<IReadOnlyList<Dictionary<string, string>>> WaitForLinesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var lines = daemon.Read(OutputFile);
            if (lines.Count >= count)
            {
                return lines;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"rsyslogd wrote {lines.Count} of {count} lines:\n{daemon.Output}");
            }

            await Task.Delay(20);
        }
    }

    private static RsyslogFields Fields(Dictionary<string, string> o)
    {
        string Get(string name) => o.GetValueOrDefault(name) ?? "";
        return new RsyslogFields(
            Get("pri"), Get("hostname"), Get("programname"), Get("syslogtag"), Get("procid"), Get("msgid"), Get("timestamp"), Get("msg"));
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    /// <summary>
    /// <see cref="RsyslogDaemon.Globals"/> and its properties template; the parser chain is
    /// rsyslog's default (RFC 5424, then RFC 3164) with the modules rsyslog ships for the device forms we read:
    /// pmaixforwardedfrom (it rewrites an AIX relay's line and passes it on) and pmciscoios, with and without the
    /// ORIGIN field — what rsyslog reads when set up for those senders.
    /// </summary>
    private static string Config(string folder, int port) => $$"""
        {{RsyslogDaemon.Globals(folder)}}
        module(load="imudp")
        module(load="pmaixforwardedfrom")
        module(load="pmciscoios")
        parser(name="ciscoios.origin" type="pmciscoios" present.origin="on")
        {{RsyslogDaemon.PropertiesTemplate}}
        ruleset(name="oracle" parser=["rsyslog.rfc5424", "rsyslog.aixforwardedfrom", "ciscoios.origin", "rsyslog.ciscoios", "rsyslog.rfc3164"]) {
          action(type="omfile" file="{{folder}}/out.json" template="properties")
        }
        input(type="imudp" address="127.0.0.1" port="{{port}}" ruleset="oracle")
        """;

    public void Dispose()
    {
        var folder = daemon.Folder;
        daemon.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
