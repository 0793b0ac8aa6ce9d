using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Bench.Wire;

/// <summary>
/// Real-looking traffic, parsed by the listeners' parser: sshd failures and logins, postfix, cron, kernel and
/// RFC 5424 lines with structured data, 90–260 bytes, from 64 senders over UDP and TCP, as a node's listeners
/// would have produced them.
/// </summary>
public static class SampleTraffic
{
    private static readonly string[] Users = ["root", "admin", "oracle", "test", "ubuntu", "git", "postgres", "alice"];

    public static SyslogMessage[] Messages(int count, int seed = 42)
    {
        var random = new Random(seed);
        var parser = new SyslogParser(TimeProvider.System, "node-a");
        var start = new DateTimeOffset(2026, 12, 1, 17, 0, 0, TimeSpan.Zero);
        var origins = Enumerable.Range(0, 64).Select(i => new Origin(
            i % 2 == 0 ? Transport.Udp : Transport.Tcp, $"10.{i / 16}.{i % 16}.{10 + i}", 40000 + i, "0.0.0.0", 514, i % 2 == 0 ? "udp" : "tcp")).ToArray();
        var messages = new SyslogMessage[count];
        for (var i = 0; i < count; i++)
        {
            var at = start.AddMilliseconds(i * 0.37);
            var line = Line(random, at, i);
            messages[i] = parser.Parse(Encoding.UTF8.GetBytes(line), origins[random.Next(origins.Length)], at);
        }

        return messages;
    }

    private static string Line(Random random, DateTimeOffset at, int i)
    {
        var host = $"web{random.Next(1, 9):00}";
        var ip = $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}";
        var user = Users[random.Next(Users.Length)];
        var pid = random.Next(300, 65000);
        var time = $"{at:MMM} {at.Day,2} {at:HH:mm:ss}";
        return random.Next(8) switch
        {
            0 or 1 or 2 => $"<38>{time} {host} sshd[{pid}]: Failed password for invalid user {user} from {ip} port {random.Next(1024, 65535)} ssh2",
            3 => $"<86>{time} {host} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid={random.Next(1000, 2000)}) by (uid=0)",
            4 => $"<22>{time} mx1 postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <{user}@example.org>: Relay access denied; from=<spam{i}@example.com> to=<{user}@example.org> proto=ESMTP helo=<example.com>",
            5 => $"<78>{time} {host} CRON[{pid}]: ({user}) CMD (/usr/local/bin/backup --incremental --target /srv/backup/{i % 31})",
            6 => $"<4>{time} {host} kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC={ip} DST=192.0.2.10 LEN=60 TTL=51 PROTO=TCP SPT={random.Next(1024, 65535)} DPT=22",
            _ => $"<165>1 {at:yyyy-MM-ddTHH:mm:ss.ffffffzzz} app{random.Next(1, 4)}.example.org billing {pid} ORDER [meta@32473 seq=\"{i}\" ip=\"{ip}\"] order {i} paid by {user}: {random.Next(1, 999)}.{random.Next(100):00} EUR",
        };
    }
}
