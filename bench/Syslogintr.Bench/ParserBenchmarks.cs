using System.Text;
using BenchmarkDotNet.Attributes;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Bench;

/// <summary>
/// One <see cref="SyslogParser.Parse"/> call per operation, single-threaded, as a listener thread makes it. The
/// record and its field strings should be the only allocations (host and app names are interned after the first).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
public class ParserBenchmarks
{
    // What real senders write (RFC 3164 §5.4 example 1; RFC 5424 §6.5 example 3, with structured data), and a
    // 256-byte loggen message as the side-by-side bench sends it.
    private static readonly byte[] Rfc3164 =
        Encoding.ASCII.GetBytes("<34>Oct 11 22:14:15 mymachine su[2301]: 'su root' failed for lonvick on /dev/pts/8");

    private static readonly byte[] Rfc5424 = Encoding.ASCII.GetBytes(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " +
        "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] An application event log entry...");

    private static readonly byte[] Loggen = Encoding.ASCII.GetBytes(
        ("<38>2026-11-29T03:40:26 localhost prg00000[1234]: seq: 0000000000, thread: 0000, runid: 1795923626, " +
         "stamp: 2026-11-29T03:40:26 ").PadRight(255, 'P') + "\n");

    private static readonly Origin Origin = new(Transport.Udp, "127.0.0.1", 40000, "127.0.0.1", 514, "udp");
    private readonly SyslogParser parser = new(TimeProvider.System, "benchhost");
    private readonly DateTimeOffset receivedAt = DateTimeOffset.UtcNow;

    [Benchmark]
    public SyslogMessage ParseRfc3164() => parser.Parse(Rfc3164, Origin, receivedAt);

    [Benchmark]
    public SyslogMessage ParseRfc5424WithStructuredData() => parser.Parse(Rfc5424, Origin, receivedAt);

    [Benchmark]
    public SyslogMessage ParseLoggen256() => parser.Parse(Loggen, Origin, receivedAt);
}

/// <summary>Adds the Msg/s column to a benchmark class.</summary>
public sealed class MessagesPerSecondConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public MessagesPerSecondConfig() => AddColumn(new MessagesPerSecondColumn());
}
