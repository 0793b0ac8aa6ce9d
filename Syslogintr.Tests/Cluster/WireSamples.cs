using System.Reflection;
using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Samples of every type that crosses nodes, for WireFallbackTests: each part adds a file WireSamples.Part.cs with
/// a method <c>public static IEnumerable&lt;object&gt; Part()</c> returning at least one instance of each of its
/// IClusterMessage types (with every optional field set in one of them, and lists that are not empty).
/// </summary>
public static partial class WireSamples
{
    /// <summary>Every sample of every part: each public static method taking nothing and returning IEnumerable&lt;object&gt;.</summary>
    public static IReadOnlyList<(string Part, object Sample)> All() =>
    [
        .. typeof(WireSamples).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(IEnumerable<object>) && m.GetParameters().Length == 0)
            .SelectMany(m => ((IEnumerable<object>)m.Invoke(null, null)!).Select(sample => (m.Name, sample))),
    ];

    /// <summary>
    /// Real-looking messages, parsed by the listeners' parser, for the parts whose messages carry them (a batch for a
    /// rule's bucket, say): RFC 3164 and 5424, with and without structured data, from two senders and over two
    /// transports, one unparsable and one a rule injected.
    /// </summary>
    public static IReadOnlyList<SyslogMessage> SyslogMessages()
    {
        var parser = new SyslogParser(TimeProvider.System, "node-a");
        var receivedAt = new DateTimeOffset(2026, 12, 1, 17, 55, 32, TimeSpan.FromHours(1)).AddTicks(1234567);
        var udp = new Origin(Transport.Udp, "203.0.113.7", 51514, "0.0.0.0", 514, "udp");
        var tcp = new Origin(Transport.Tcp, "198.51.100.23", 40022, "0.0.0.0", 514, "tcp");
        SyslogMessage Parse(string line, Origin origin) => parser.Parse(Encoding.UTF8.GetBytes(line), origin, receivedAt);
        return
        [
            Parse("<38>Dec  1 17:55:32 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.7 port 52314 ssh2", udp),
            Parse("<38>Dec  1 17:55:33 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 52316 ssh2", udp),
            Parse("<22>Dec  1 17:55:34 mx1 postfix/smtpd[4242]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 554 5.7.1 <x@example.org>: Relay access denied", tcp),
            Parse("<165>1 2026-12-01T17:55:35.123456+01:00 app1.example.org billing 77 ORDER [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][origin ip=\"192.0.2.1\"] \uFEFFOrder 42 paid: 12,50 € ✓", tcp),
            Parse("<999>not syslog at all", udp),
            parser.Parse(Encoding.UTF8.GetBytes("<13>Dec  1 17:55:36 node-a sshblock: banned 203.0.113.7"), Origin.Internal, receivedAt) with
            {
                Generation = 1,
                InjectedBy = "sshblock",
            },
        ];
    }
}
