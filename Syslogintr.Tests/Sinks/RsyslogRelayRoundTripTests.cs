using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Ingest.Tls;
using Syslogintr.Tests.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary>
/// Differential, the whole way: a real rsyslogd (the sender) reads generated RFC 3164 and RFC 5424 messages, writes
/// what it parsed, and forwards them with <c>omfwd</c> to a whole node's listener (UDP, TCP LF-framed, TCP
/// octet-counted, TLS); a Lua rule relays each one twice through the relay actor — as RFC 3164 and as RFC 5424 — to
/// a second rsyslogd (the receiver), which writes what it parsed. Every message arrives once at each of the
/// receiver's inputs, and every field rsyslog read is the same at both ends. Both rsyslogds and the node run in
/// America/New_York, so an RFC 3164 timestamp written in any other zone would show.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed partial class RsyslogRelayRoundTripTests : IDisposable
{
    private const int PerFormat = 150;
    private const string Zone = "America/New_York";

    /// <summary>What an RFC 3164 message can carry (no MSGID, SD, fraction or offset).</summary>
    private static readonly string[] Rfc3164Fields = ["pri", "hostname", "programname", "syslogtag", "procid", "msg"];
    private static readonly string[] AllFields = [.. Rfc3164Fields, "msgid", "timestamp", "structured-data"];

    private readonly string folder = TempFolder.Create();
    private readonly RuleFolder rules = new();

    public void Dispose()
    {
        rules.Dispose();
        TempFolder.Delete(folder);
    }

    public enum Route
    {
        Udp,
        TcpLf,
        TcpOctetCounted,
        Tls,
    }

    [Theory]
    [InlineData(Route.Udp)]
    [InlineData(Route.TcpLf)]
    [InlineData(Route.TcpOctetCounted)]
    [InlineData(Route.Tls)]
    public async Task What_rsyslog_sends_us_and_we_relay_to_rsyslog_reads_the_same_at_both_ends(Route route)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var udp = route == Route.Udp;
        int as3164 = TestNode.FreePort(), as5424 = TestNode.FreePort();
        using var receiver = RsyslogDaemon.Start(Path.Combine(folder, "receiver"), Zone, f => ReceiverConfig(f, udp, as3164, as5424));
        await receiver.WaitUntilListeningAsync(as3164, udp, "as3164.json");
        await receiver.WaitUntilListeningAsync(as5424, udp, "as5424.json");

        // Our TCP relay is octet-counted and has no TLS (README): every TCP path relays over plain TCP.
        var transport = udp ? "udp" : "tcp";
        var script = rules.Write("relay.lua", $$"""
            local as3164 = host("127.0.0.1", {{as3164}}, "{{transport}}")
            local as5424 = host("127.0.0.1", {{as5424}}, "{{transport}}")
            function log(m)
              relay(as3164, m)
              relay(as5424, m, "rfc5424")
            end
            """);
        await using var node = await TestNode.StartAsync(
            $"""syslogintr.rules.relay.script = "{script}" """ + "\n" + (route == Route.Tls ? TlsListener() : ""),
            new ZoneClock(zone));
        var senderInput = TestNode.FreePort();
        using var sender = RsyslogDaemon.Start(Path.Combine(folder, "sender"), Zone, f => SenderConfig(f, route, senderInput, node.Port));

        var random = new Random(13);
        var now = DateTimeOffset.UtcNow;
        using (var client = await ConnectAsync(senderInput, sender))
        {
            var text = new StringBuilder();
            for (var i = 0; i < PerFormat; i++)
            {
                text.Append(Rfc3164(random, i, now, zone)).Append('\n');
                text.Append(Rfc5424(random, i, now, zone)).Append('\n');
            }

            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
        }

        await WaitForAllAsync(sender, "in.json");
        await WaitForAllAsync(receiver, "as3164.json");
        await WaitForAllAsync(receiver, "as5424.json");

        // Late duplicates (a resend after a reconnect) would come after the last first copy: give them a moment.
        await Task.Delay(300);
        var problems = new List<string>();
        var origin = Once(sender.Read("in.json"), "sender", problems);
        Compare(origin, Once(receiver.Read("as3164.json"), "rfc3164 relay", problems), rfc5424Relay: false, zone, problems);
        Compare(origin, Once(receiver.Read("as5424.json"), "rfc5424 relay", problems), rfc5424Relay: true, zone, problems);
        Assert.True(origin.Count == 2 * PerFormat, $"the sender read {origin.Count} of {2 * PerFormat}:\n{sender.Output}");
        Assert.True(problems.Count == 0, $"{problems.Count} differences, the first:\n" + string.Join("\n", problems.Take(25)));
        var effects = node.Services.Metrics.SideEffects;
        Assert.Equal((0L, 0L, 0L), (effects.Get("relay.lost"), effects.Get("relay.dropped"), effects.Get("relay.connect_failed")));
    }

    /// <summary>
    /// The fields a relay must keep: all of them when it writes the format the message came in, or RFC 5424 for an
    /// RFC 3164 message (the 5424 header holds everything a 3164 one does); what RFC 3164 can hold — and the instant,
    /// to the second — when an RFC 5424 message goes out as RFC 3164.
    /// </summary>
    private static void Compare(Dictionary<string, Dictionary<string, string>> origin, Dictionary<string, Dictionary<string, string>> relayed, bool rfc5424Relay, TimeZoneInfo zone, List<string> problems)
    {
        foreach (var (key, sent) in origin)
        {
            if (!relayed.TryGetValue(key, out var received))
            {
                problems.Add($"{key} lost in the {(rfc5424Relay ? "rfc5424" : "rfc3164")} relay");
                continue;
            }

            var crossed = key.StartsWith("m5424", StringComparison.Ordinal) != rfc5424Relay;
            var narrowed = crossed && !rfc5424Relay;
            foreach (var field in narrowed ? Rfc3164Fields : AllFields)
            {
                if (Canonical(field, sent[field], crossed) != Canonical(field, received[field], crossed))
                {
                    problems.Add($"{key} → {(rfc5424Relay ? "5424" : "3164")}: {field} '{sent[field]}' became '{received[field]}'");
                }
            }

            if (narrowed && Second(sent["timestamp"]) != Second(received["timestamp"]))
            {
                problems.Add($"{key} → 3164: timestamp {sent["timestamp"]} became {received["timestamp"]} (read in {zone.Id})");
            }
        }
    }

    /// <summary>
    /// rsyslog's RFC 3164 reading keeps the tag's colon and the space after it (<c>sshd[1]:</c>, <c> text</c>), its RFC
    /// 5424 one has neither: the same message read in the other format is compared without them.
    /// </summary>
    private static string Canonical(string field, string value, bool crossed) => (crossed, field) switch
    {
        (true, "syslogtag") => value.TrimEnd(':'),
        (true, "msg") when value.StartsWith(' ') => value[1..],
        _ => value,
    };

    private static DateTimeOffset Second(string rfc3339)
    {
        var t = DateTimeOffset.Parse(rfc3339, CultureInfo.InvariantCulture);
        return t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>Each of the test's messages by its key; a key seen twice (or a message without one) is a problem.</summary>
    private static Dictionary<string, Dictionary<string, string>> Once(IReadOnlyList<Dictionary<string, string>> lines, string where, List<string> problems)
    {
        var byKey = new Dictionary<string, Dictionary<string, string>>();
        foreach (var line in lines)
        {
            if (line["programname"] == "probe")
            {
                continue; // WaitUntilListeningAsync's
            }

            if (Key().Match(line["msg"]) is not { Success: true } key)
            {
                problems.Add($"{where}: a message the test did not send: {line["msg"]}");
            }
            else if (!byKey.TryAdd(key.Value, line))
            {
                problems.Add($"{where}: {key.Value} twice");
            }
        }

        return byKey;
    }

    [GeneratedRegex(@"m(3164|5424)-\d+")]
    private static partial Regex Key();

    /// <summary>Waits until <paramref name="file"/> holds every message of the test (or 20 s pass).</summary>
    private static async Task WaitForAllAsync(RsyslogDaemon daemon, string file)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (daemon.Read(file).Count(l => Key().IsMatch(l["msg"])) < 2 * PerFormat && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>RFC 3164 as real senders write it: numeric, textual and no PROCIDs, a slash in the tag, a day below 10.</summary>
    private static string Rfc3164(Random random, int i, DateTimeOffset now, TimeZoneInfo zone)
    {
        var t = TimeZoneInfo.ConvertTime(Earlier(random, now, zone), zone);
        string[] tags = ["sshd[4242]", "CRON", "a/b-c_d.e[abc-7]", "postfix/smtpd[123]", "app[worker-3]", "kernel"];
        string[] hosts = ["host1", "db01.example.org", "10.0.0.7"];
        var stamp = t.ToString("MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + t.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
        return $"<{random.Next(192)}>{stamp} {hosts[random.Next(hosts.Length)]} {tags[random.Next(tags.Length)]}: message m3164-{i} with \"quotes\" and ünïcode";
    }

    /// <summary>RFC 5424 with fractions of every precision, offsets, textual PROCIDs, and SD with repeats, order and escapes.</summary>
    private static string Rfc5424(Random random, int i, DateTimeOffset now, TimeZoneInfo zone)
    {
        var offset = TimeSpan.FromMinutes(random.Next(-12 * 4, 14 * 4) * 15);
        var t = Earlier(random, now, zone).ToOffset(offset);
        var digits = random.Next(0, 7);
        var fraction = digits == 0 ? "" : "." + random.Next(1, 1_000_000).ToString("D6", CultureInfo.InvariantCulture)[..digits];
        var stamp = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction + (offset == TimeSpan.Zero ? "Z" : t.ToString("zzz", CultureInfo.InvariantCulture));
        string[] procIds = ["-", "4242", "abc-7", "worker/3"];
        string[] msgIds = ["-", "ID1", "TCPIN"];
        string[] sds = ["-", """[x@1 ip="1.1.1.1" ip="2.2.2.2"]""", """[b@1 q="say \"hi\" \\ \]"][a@1 k="v"]""", """[m@1][origin ip="192.0.2.1"]"""];
        return $"<{random.Next(192)}>1 {stamp} host{random.Next(5)} app{random.Next(3)} {procIds[random.Next(procIds.Length)]} {msgIds[random.Next(msgIds.Length)]} {sds[random.Next(sds.Length)]} message m5424-{i} ünïcode";
    }

    /// <summary>
    /// An instant of the last three days whose local time in <paramref name="zone"/> is not in the hour a DST change
    /// repeats: an RFC 3164 timestamp there names two instants, and which one a reader picks is no relay's doing.
    /// </summary>
    private static DateTimeOffset Earlier(Random random, DateTimeOffset now, TimeZoneInfo zone)
    {
        while (true)
        {
            var t = now.AddSeconds(-random.Next(3 * 24 * 3600));
            if (!zone.IsAmbiguousTime(t))
            {
                return t;
            }
        }
    }

    private string TlsListener()
    {
        using var ca = TestCa.Create("CN=Relay Round Trip CA");
        using var server = ca.Issue("CN=localhost", ["localhost"], usage: "1.3.6.1.5.5.7.3.1");
        var (certificate, key) = TestCertificates.WritePem(server, folder, "server");
        ca.WritePem(folder, "ca.pem");
        return $$"""syslogintr.listeners.tcp.tls { certificate = "{{certificate}}", key = "{{key}}" }""";
    }

    /// <summary>
    /// The sender: a TCP input the test writes lines to, each message written as parsed and forwarded to the node —
    /// RFC 5424 as RFC 5424, RFC 3164 as RFC 3164 — on <paramref name="route"/>. TLS checks the node's certificate
    /// against the test's CA and its name.
    /// </summary>
    private string SenderConfig(string senderFolder, Route route, int input, int node)
    {
        var transport = route switch
        {
            Route.Udp => """protocol="udp" """,
            Route.TcpLf => """protocol="tcp" TCP_Framing="traditional" """,
            Route.TcpOctetCounted => """protocol="tcp" TCP_Framing="octet-counted" """,
            _ => """protocol="tcp" TCP_Framing="traditional" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost" """,
        };
        var forward = $"""type="omfwd" target="127.0.0.1" port="{node}" {transport} action.resumeInterval="1" """;
        return $$"""
            {{RsyslogDaemon.Globals(senderFolder)}}
            {{(route == Route.Tls ? $"""global(DefaultNetstreamDriverCAFile="{folder}/ca.pem")""" : "")}}
            module(load="imtcp")
            {{RsyslogDaemon.PropertiesTemplate}}
            ruleset(name="in") {
              action(type="omfile" file="{{senderFolder}}/in.json" template="properties")
              if $protocol-version == "1" then {
                action({{forward}} template="RSYSLOG_SyslogProtocol23Format")
              } else {
                action({{forward}} template="RSYSLOG_TraditionalForwardFormat")
              }
            }
            input(type="imtcp" address="127.0.0.1" port="{{input}}" ruleset="in")
            """;
    }

    /// <summary>The receiver: one input per relay format, each writing what it parsed to its own file.</summary>
    private static string ReceiverConfig(string receiverFolder, bool udp, int as3164, int as5424)
    {
        var module = udp ? "imudp" : "imtcp";

        // A relay's UDP burst must not overflow the socket's default buffer (rsyslogd runs as root: it can force a bigger one).
        var buffer = udp ? """rcvbufSize="8m" """ : "";
        return $$"""
            {{RsyslogDaemon.Globals(receiverFolder)}}
            module(load="{{module}}")
            {{RsyslogDaemon.PropertiesTemplate}}
            ruleset(name="as3164") { action(type="omfile" file="{{receiverFolder}}/as3164.json" template="properties") }
            ruleset(name="as5424") { action(type="omfile" file="{{receiverFolder}}/as5424.json" template="properties") }
            input(type="{{module}}" address="127.0.0.1" port="{{as3164}}" ruleset="as3164" {{buffer}})
            input(type="{{module}}" address="127.0.0.1" port="{{as5424}}" ruleset="as5424" {{buffer}})
            """;
    }

    private static async Task<TcpClient> ConnectAsync(int port, RsyslogDaemon daemon)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                client.Dispose();
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                client.Dispose();
                throw new TimeoutException($"rsyslogd does not read port {port}:\n{daemon.Output}", e);
            }
        }
    }
}
