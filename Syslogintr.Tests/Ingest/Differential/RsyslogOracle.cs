using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>What rsyslog extracted from one message (its property names; "-" and "" mean none).</summary>
internal sealed record RsyslogFields(
    string Pri, string Hostname, string ProgramName, string SyslogTag, string ProcId, string MsgId, string Timestamp, string Msg);

/// <summary>
/// The real <c>rsyslogd</c> (Debian package rsyslog) as the oracle: run in the foreground in a temp folder with its own
/// work directory and pid file, one imudp input on a free loopback port and no system inputs, writing each message's
/// parsed properties as a JSON line. Network input, as our listeners see it: a message that names no host gets the
/// sender's address, here "127.0.0.1" (DNS off).
/// </summary>
internal sealed class RsyslogOracle : IDisposable
{
    private const string Executable = "/usr/sbin/rsyslogd";
    private readonly string folder = Directory.CreateTempSubdirectory("rsyslog-oracle-").FullName;
    private readonly Process process;
    private readonly int port;

    public RsyslogOracle()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install the Debian package rsyslog");
        }

        port = FreeUdpPort();
        var config = Path.Combine(folder, "rsyslog.conf");
        File.WriteAllText(config, Config(folder, port));
        var start = new ProcessStartInfo(Executable, ["-n", "-f", config, "-i", Path.Combine(folder, "rsyslogd.pid")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };

        // RFC 3164 timestamps are local time: both sides read them in UTC.
        start.Environment["TZ"] = "UTC";
        process = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start");
    }

    private string OutputPath => Path.Combine(folder, "out.json");

    /// <summary>Sends each line as one datagram and returns rsyslog's reading of each, in order.</summary>
    public async Task<IReadOnlyList<RsyslogFields>> ParseAsync(IReadOnlyList<string> lines)
    {
        using var sender = new UdpClient(AddressFamily.InterNetwork);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        await WaitUntilListeningAsync(sender, target);
        for (var i = 0; i < lines.Count; i++)
        {
            await sender.SendAsync(Encoding.UTF8.GetBytes(lines[i]), target);
            if (i % 100 == 99)
            {
                // Keep well inside the socket's receive buffer: a datagram dropped on loopback would shift every answer after it.
                await WaitForLinesAsync(ProbeCount + i + 1);
            }
        }

        var all = await WaitForLinesAsync(ProbeCount + lines.Count);
        return [.. all.Skip(ProbeCount).Select(Read)];
    }

    private int ProbeCount { get; set; }

    /// <summary>rsyslogd binds its port a moment after start: probe with a marker until one comes out.</summary>
    private async Task WaitUntilListeningAsync(UdpClient sender, IPEndPoint target)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            await sender.SendAsync("<13>Jan  1 00:00:00 probe probe: ready"u8.ToArray(), target);
            ProbeCount++;
            await Task.Delay(100);
            if (File.Exists(OutputPath) && ReadLines().Count > 0)
            {
                // Probes sent before the bind are lost; those after it are all in the file once it stops growing.
                await Task.Delay(200);
                ProbeCount = ReadLines().Count;
                return;
            }
        }

        throw new TimeoutException("rsyslogd did not answer: " + process.StandardError.ReadToEnd());
    }

    private async Task<List<string>> WaitForLinesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var lines = ReadLines();
            if (lines.Count >= count)
            {
                return lines;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"rsyslogd wrote {lines.Count} of {count} lines");
            }

            await Task.Delay(20);
        }
    }

    private List<string> ReadLines()
    {
        using var stream = new FileStream(OutputPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();

        // Only whole lines: rsyslog may be mid-write.
        return [.. text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static RsyslogFields Read(string json)
    {
        var o = JsonDocument.Parse(json).RootElement;
        string Get(string name) => o.GetProperty(name).GetString() ?? "";
        return new RsyslogFields(
            Get("pri"), Get("hostname"), Get("programname"), Get("syslogtag"), Get("procid"), Get("msgid"), Get("timestamp"), Get("msg"));
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Control characters kept as sent (rsyslog would write "#011" for a tab), and a "/" allowed in the program name
    /// ("postfix/smtpd" is one program to us; rsyslog's default would cut it to "postfix"). The parser chain is
    /// rsyslog's default (RFC 5424, then RFC 3164) with the modules rsyslog ships for the device forms we read:
    /// pmaixforwardedfrom (it rewrites an AIX relay's line and passes it on) and pmciscoios, with and without the
    /// ORIGIN field — what rsyslog reads when set up for those senders.
    /// </summary>
    private static string Config(string folder, int port) => $$"""
        global(workDirectory="{{folder}}" net.enableDNS="off" parser.escapeControlCharactersOnReceive="off" parser.permitSlashInProgramName="on")
        module(load="imudp")
        module(load="pmaixforwardedfrom")
        module(load="pmciscoios")
        parser(name="ciscoios.origin" type="pmciscoios" present.origin="on")
        template(name="fields" type="list") {
          constant(value="{")
          property(name="pri" format="jsonf") constant(value=",")
          property(name="hostname" format="jsonf") constant(value=",")
          property(name="programname" format="jsonf") constant(value=",")
          property(name="syslogtag" format="jsonf") constant(value=",")
          property(name="procid" format="jsonf") constant(value=",")
          property(name="msgid" format="jsonf") constant(value=",")
          property(name="timestamp" dateFormat="rfc3339" format="jsonf") constant(value=",")
          property(name="msg" format="jsonf")
          constant(value="}\n")
        }
        ruleset(name="oracle" parser=["rsyslog.rfc5424", "rsyslog.aixforwardedfrom", "ciscoios.origin", "rsyslog.ciscoios", "rsyslog.rfc3164"]) {
          action(type="omfile" file="{{folder}}/out.json" template="fields")
        }
        input(type="imudp" address="127.0.0.1" port="{{port}}" ruleset="oracle")
        """;

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        process.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
