using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Rules;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Relay;
using Syslogintr.Tests.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Sinks;

/// <summary>
/// Differential: the real rsyslogd (Debian <c>rsyslog</c>) reads generated messages, forwards them to us; we parse
/// them, hand them to a rule that calls <c>relay()</c>, and send what it relays back to the same rsyslogd on a second
/// input. rsyslog's view of each message at both ends — pri, host, program, procid, timestamp, msg, structured data —
/// must be equal. Both ends run in America/New_York, so an RFC 3164 timestamp written in UTC would show.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RsyslogRelayRoundTripTests : IDisposable
{
    private const int Messages = 100;
    private const string Zone = "America/New_York";
    private static readonly string[] Fields = ["pri", "hostname", "programname", "procid", "timestamp", "msg", "sd"];

    private readonly string folder = TempFolder.Create();
    private readonly RuleFolder rules = new();
    private readonly RecordingEffects effects = new();

    public void Dispose()
    {
        rules.Dispose();
        TempFolder.Delete(folder);
    }

    [Theory]
    [InlineData("rfc3164", "RSYSLOG_TraditionalForwardFormat")]
    [InlineData("rfc5424", "RSYSLOG_SyslogProtocol23Format")]
    public async Task What_rsyslog_forwards_to_us_and_we_relay_back_reads_the_same_at_both_ends(string format, string forwardTemplate)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        using var us = new TcpListener(IPAddress.Loopback, 0);
        us.Start();
        int input = FreePort(), back = FreePort();
        using var rsyslogd = StartRsyslog(input, back, ((IPEndPoint)us.LocalEndpoint).Port, forwardTemplate);
        try
        {
            await RoundTripAsync(format, zone, us, input, back);
        }
        finally
        {
            rsyslogd.Kill();
            await rsyslogd.WaitForExitAsync();
        }
    }

    private async Task RoundTripAsync(string format, TimeZoneInfo zone, TcpListener us, int input, int back)
    {

        var random = new Random(13);
        var now = DateTimeOffset.UtcNow;
        using (var sender = await ConnectAsync(input))
        {
            for (var i = 0; i < Messages; i++)
            {
                var line = format == "rfc3164" ? Rfc3164(random, i, TimeZoneInfo.ConvertTime(now, zone)) : Rfc5424(random, i, now);
                await sender.GetStream().WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            }
        }

        using var rule = LuaRule.Load(
            rules.Rule("roundtrip", $$"""
                local back = host("127.0.0.1", {{back}}, "tcp")
                function log(m) relay(back, m, "{{format}}") end
                """),
            effects, new ZoneClock(zone), "node1");
        var parser = new SyslogParser(new ZoneClock(zone), "node1");
        using (var fromRsyslog = await us.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10)))
        using (var toRsyslog = await ConnectAsync(back))
        {
            var reader = new StreamReader(fromRsyslog.GetStream(), Encoding.UTF8);
            var origin = new Origin(Transport.Tcp, "127.0.0.1", 1, "127.0.0.1", 2, "tcp");
            for (var i = 0; i < Messages; i++)
            {
                var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? throw new Xunit.Sdk.XunitException($"rsyslog forwarded only {i} messages");
                Assert.Null(rule.Deliver(parser.Parse(Encoding.UTF8.GetBytes(line), origin, DateTimeOffset.UtcNow)));
                var relayed = effects.Actions.OfType<RelayRequested>().Last();
                var payload = RelayWireFormat.Encode(relayed.Message, relayed.Rfc5424, 64 * 1024, zone);
                // Octet-counted, as our TCP relay sends.
                await toRsyslog.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"{payload.Length} ").Concat(payload).ToArray());
            }
        }

        var sent = await ReadJsonLinesAsync(Path.Combine(folder, "in.json"));
        var received = await ReadJsonLinesAsync(Path.Combine(folder, "back.json"));
        Assert.Equal(Messages, received.Count);
        var differences = sent.Zip(received)
            .SelectMany((pair, i) => Fields.Where(f => pair.First[f] != pair.Second[f]).Select(f => $"#{i} {f}: {pair.First[f]} → {pair.Second[f]}"))
            .ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences.Take(20)));
    }

    /// <summary>RFC 3164 as real senders write it: numeric, textual and no PROCIDs, a slash in the tag, a day below 10.</summary>
    private static string Rfc3164(Random random, int i, DateTimeOffset localNow)
    {
        var t = localNow.AddMinutes(-random.Next(0, 3 * 24 * 60)).AddSeconds(-random.Next(60));
        string[] tags = ["sshd[4242]", "CRON", "a/b-c_d.e[abc-7]", "postfix/smtpd[123]", "app[worker-3]", "kernel"];
        var stamp = t.ToString("MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + t.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
        return $"<{random.Next(192)}>{stamp} host{random.Next(5)} {tags[random.Next(tags.Length)]}: message {i} with \"quotes\" and ünïcode";
    }

    /// <summary>RFC 5424 with fractions of every precision, offsets, textual PROCIDs, and SD with repeats and escapes.</summary>
    private static string Rfc5424(Random random, int i, DateTimeOffset now)
    {
        var offset = TimeSpan.FromMinutes(random.Next(-12 * 4, 14 * 4) * 15);
        var t = now.ToOffset(offset).AddSeconds(-random.Next(3 * 24 * 3600));
        var digits = random.Next(0, 7);
        var fraction = digits == 0 ? "" : "." + random.Next(1, 1_000_000).ToString("D6", CultureInfo.InvariantCulture)[..digits];
        var stamp = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction + (offset == TimeSpan.Zero ? "Z" : t.ToString("zzz", CultureInfo.InvariantCulture));
        string[] procIds = ["-", "4242", "abc-7", "worker/3"];
        string[] sds = ["-", """[x@1 ip="1.1.1.1" ip="2.2.2.2"]""", """[b@1 q="say \"hi\" \\ \]"][a@1 k="v"]""", """[m@1][origin ip="192.0.2.1"]"""];
        return $"<{random.Next(192)}>1 {stamp} host{random.Next(5)} app{random.Next(3)} {procIds[random.Next(procIds.Length)]} ID{random.Next(3)} {sds[random.Next(sds.Length)]} message {i} ünïcode";
    }

    private Process StartRsyslog(int input, int back, int us, string forwardTemplate)
    {
        var work = Directory.CreateDirectory(Path.Combine(folder, "work")).FullName;
        var json = "{\\\"pri\\\":\\\"%pri%\\\",\\\"hostname\\\":\\\"%hostname:::json%\\\",\\\"programname\\\":\\\"%programname:::json%\\\","
            + "\\\"procid\\\":\\\"%procid:::json%\\\",\\\"timestamp\\\":\\\"%timestamp:::date-rfc3339%\\\",\\\"msg\\\":\\\"%msg:::json%\\\","
            + "\\\"sd\\\":\\\"%structured-data:::json%\\\"}\\n";
        var config = Path.Combine(folder, "rsyslog.conf");
        File.WriteAllText(config, $$"""
            global(workDirectory="{{work}}" maxMessageSize="64k")
            module(load="imtcp")
            template(name="json" type="string" string="{{json}}")
            ruleset(name="in") {
              action(type="omfile" file="{{folder}}/in.json" template="json")
              action(type="omfwd" target="127.0.0.1" port="{{us}}" protocol="tcp" template="{{forwardTemplate}}")
            }
            ruleset(name="back") {
              action(type="omfile" file="{{folder}}/back.json" template="json")
            }
            input(type="imtcp" address="127.0.0.1" port="{{input}}" ruleset="in")
            input(type="imtcp" address="127.0.0.1" port="{{back}}" ruleset="back")
            """);
        var start = new ProcessStartInfo("/usr/sbin/rsyslogd", ["-n", "-f", config, "-i", Path.Combine(folder, "rsyslogd.pid")]);
        start.Environment["TZ"] = Zone;
        return Process.Start(start)!;
    }

    private static async Task<TcpClient> ConnectAsync(int port)
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
        }
    }

    /// <summary>The file's JSON lines, once rsyslog has written all it will (its count stops growing).</summary>
    private static async Task<List<Dictionary<string, string>>> ReadJsonLinesAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (!File.Exists(path) || File.ReadLines(path).Count() < Messages))
        {
            await Task.Delay(50);
        }

        return File.Exists(path) ? [.. File.ReadLines(path).Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!)] : [];
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class ZoneClock(TimeZoneInfo zone) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => zone;
    }
}
