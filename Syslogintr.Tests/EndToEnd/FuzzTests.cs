using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.EndToEnd;

/// <summary>Random and mutated datagrams never crash a listener, are all counted, and do not hide a good message sent after them.</summary>
[Collection(SerialCollection.Name)]
public sealed class FuzzTests
{
    private const int PacketsPerTransport = 50_000;
    private const string Specials = "<>[]\"\\ =-0\n\t\0";

    private static readonly string[] Seeds =
    [
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] \uFEFF'su root' failed",
        "<13>Feb  5 17:32:18 10.0.0.99 myprog[123]: Use the BFG!",
        "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.",
        "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
        "<38>2026-11-29T02:58:56 localhost prg00000[1234]: seq: 0000000001, thread: 0000, runid: 1",
    ];

    [Fact]
    public async Task A_hundred_thousand_random_and_mutated_packets_are_counted_and_a_good_message_still_arrives()
    {
        await using var node = await TestNode.StartAsync("syslogintr.files.messages.select = \"local7.*\"");
        var random = new Random(4711);
        var udpCounters = node.Services.Metrics.Listener("udp");
        var unixCounters = node.Services.Metrics.Listener("local");

        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            var target = new IPEndPoint(IPAddress.Loopback, node.Port);
            for (var sent = 0; sent < PacketsPerTransport; sent++)
            {
                udp.SendTo(Packet(random), target);
                if (sent % 2000 == 1999)
                {
                    // Loopback UDP drops when the receiver is not scheduled in time; pace so every packet is received.
                    await WaitUntilAsync(() => udpCounters.Received > sent - 500);
                }
            }
        }

        using (var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            unix.Connect(new UnixDomainSocketEndPoint(node.SocketPath));
            for (var sent = 0; sent < PacketsPerTransport; sent++)
            {
                unix.Send(Packet(random));
            }

            // On a busy machine the burst may fill the ingest queue (those drops are counted); the point here is
            // that the listeners survived it and still deliver, so the canary goes once the queue has room again.
            await WaitUntilAsync(() => unixCounters.Received == PacketsPerTransport && node.Services.Queue.Count == 0);
            unix.Send(Encoding.UTF8.GetBytes("<190>Nov 29 10:00:00 host canary[1]: still here"));
        }

        var lines = await node.WaitForLinesAsync(l => l.Any(x => x.Contains("canary[1]: still here")), TimeSpan.FromSeconds(30));
        Assert.Contains(lines, l => l.EndsWith("canary[1]: still here", StringComparison.Ordinal));
        await WaitUntilAsync(() => udpCounters.Received == PacketsPerTransport);
        Assert.Equal(PacketsPerTransport, udpCounters.Received);
        Assert.Equal(PacketsPerTransport + 1, unixCounters.Received);
        Assert.True(udpCounters.ParseErrors > 1000, $"only {udpCounters.ParseErrors} parse errors: the fuzzer is not fuzzing");
    }

    /// <summary>Either random bytes or a real message with a few bytes flipped, cut, or duplicated.</summary>
    private static byte[] Packet(Random random)
    {
        if (random.Next(4) == 0)
        {
            var noise = new byte[random.Next(0, 1500)];
            random.NextBytes(noise);
            return noise;
        }

        var bytes = Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]).ToList();
        for (var i = random.Next(1, 6); i > 0 && bytes.Count > 0; i--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)Specials[random.Next(Specials.Length)]);
                    break;
                default:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, random.Next(64))));
                    break;
            }
        }

        return bytes.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }
}
