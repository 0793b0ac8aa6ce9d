using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>util-linux logger over every transport; the message must land, parsed, in the file sink.</summary>
public sealed class LoggerEndToEndTests
{
    [Fact]
    public async Task Messages_from_logger_over_udp_tcp_and_the_unix_socket_land_parsed_in_the_messages_file()
    {
        await using var node = await TestNode.StartAsync();
        var port = node.Port.ToString();

        await Logger.RunAsync("-n", "127.0.0.1", "-P", port, "-d", "--rfc3164", "-t", "udptag", "-p", "mail.warning", "over udp 3164");
        await Logger.RunAsync("-n", "127.0.0.1", "-P", port, "-d", "--rfc5424", "-t", "udp5424", "--msgid", "ID7", "--sd-id", "x@32473", "--sd-param", "k=\"v\"", "over udp 5424");
        await Logger.RunAsync("-n", "127.0.0.1", "-P", port, "-T", "--octet-count", "-t", "tcpoctet", "over tcp octet-counted");
        await Logger.RunAsync("-n", "127.0.0.1", "-P", port, "-T", "-t", "tcplf", "over tcp lf");
        await Logger.RunAsync("-u", node.SocketPath, "-t", "unixtag", "-i", "over the unix socket");

        var lines = await node.WaitForLinesAsync(l => l.Count >= 5);

        Assert.Contains(lines, l => l.Contains(" udptag: over udp 3164"));
        Assert.Contains(lines, l => l.Contains(" udp5424: over udp 5424"));
        Assert.Contains(lines, l => l.Contains(" tcpoctet: over tcp octet-counted"));
        Assert.Contains(lines, l => l.Contains(" tcplf: over tcp lf"));
        var local = Assert.Single(lines, l => l.Contains("over the unix socket"));
        Assert.Matches(@"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ unixtag\[\d+\]: over the unix socket$", local);
        Assert.Equal(5, lines.Count);

        var counters = node.Services.Metrics.Listeners.ToDictionary(c => c.Name);
        Assert.Equal(2, counters["udp"].Received);
        Assert.Equal(2, counters["tcp"].Received);
        Assert.Equal(1, counters["local"].Received);
        Assert.All(counters.Values, c => Assert.Equal(0, c.ParseErrors));
    }
}
