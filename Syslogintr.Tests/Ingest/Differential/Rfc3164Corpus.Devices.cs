namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>Seeded variants of the device forms issue 13 names.</summary>
internal static partial class Rfc3164Corpus
{
    /// <summary>
    /// Cisco IOS (sequence number, optional origin, clock flags, optional year, milliseconds and zone), AIX relays
    /// ("Message forwarded from"), Mac hosts (host name, then tags such as "com.apple.xpc.launchd[1] (…):"), ISO
    /// timestamps with a space for the T, and fractions longer than rsyslog keeps; the same for a seed.
    /// </summary>
    public static IEnumerable<string> DeviceVariants(int seed, int count)
    {
        var random = new Random(seed);
        string Pick(params string[] options) => options[random.Next(options.Length)];
        for (var i = 0; i < count; i++)
        {
            var month = Pick("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov");
            var day = random.Next(1, 29);
            var time = $"{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}";
            var pri = Pick("<189>", "<187>", "<190>", "<13>", $"<{random.Next(192)}>");
            yield return (i % 8) switch
            {
                < 3 => CiscoIos(),
                3 => Aix(),
                4 or 5 => Mac(),
                6 => Iso(),
                _ => LongFraction(),
            };

            string CiscoIos()
            {
                var sequence = Pick($"{random.Next(1, 100000)}", $"{random.Next(1, 1000):000000}");
                var origin = Pick("", "", "router1: ", "sw-core-01.example.net: ", "10.1.1.1: ");
                var date = Pick($"{month} {day,2} ", $"{month} {day,2} 2024 ") + time + Pick("", $".{random.Next(1000):000}") + Pick("", "", " UTC", " CET");
                var mnemonic = Pick("%LINK-3-UPDOWN", "%LINEPROTO-5-UPDOWN", "%SYS-5-CONFIG_I", "%SEC-6-IPACCESSLOGP", "%OSPF-5-ADJCHG");
                var text = Pick(
                    "Interface GigabitEthernet0/1, changed state to up",
                    "Configured from console by admin on vty0 (10.0.0.5)",
                    "list 101 denied tcp 10.0.0.1(1234) -> 10.0.0.2(22), 1 packet",
                    "Process 1, Nbr 10.0.0.2 on Gi0/1 from FULL to DOWN, Neighbor Down: Dead timer expired");
                return $"{pri}{sequence}: {origin}{Pick("", "*", ".")}{date}: {mnemonic}: {text}";
            }

            string Aix()
            {
                var host = Pick("aix2", "aixprod01.example.com", "10.2.3.4");
                var tag = Pick($"syslogd[{random.Next(1, 99999)}]:", $"sshd[{random.Next(1, 99999)}]:", "cron:", "errdemon:");
                return $"{pri}{month} {day,2} {time} {Pick("Message", "message")} forwarded from {host}: {tag} {Pick("restart", "Accepted password for root from 192.0.2.4 port 22 ssh2", "x")}";
            }

            string Mac()
            {
                var host = Pick("Johns-MacBook-Pro.local", "Mac-mini.local", "imac-lab");
                var rest = Pick(
                    $"com.apple.xpc.launchd[1] (com.apple.mdworker.bundles[{random.Next(100, 99999)}]): Service exited with abnormal code: 78",
                    "kernel[0]: Sandbox: mdworker(123) deny(1) file-read-data /Users",
                    $"loginwindow[{random.Next(50, 200)}]: USER_PROCESS: 98 console",
                    $"Google Chrome Helper[{random.Next(100, 9999)}]: objc[512]: Class is implemented in both",
                    "--- last message repeated 2 times ---");
                return $"{pri}{month} {day,2} {time} {host} {rest}";
            }

            string Iso()
            {
                var fraction = Pick("", ".5", $".{random.Next(1000):000}", $".{random.Next(1000000):000000}");
                return $"{pri}2024-0{random.Next(1, 10)}-{day:00} {time}{fraction}{Pick("", "Z", "+01:00", "-05:00")} web1 app[{random.Next(1, 999)}]: iso with a space";
            }

            string LongFraction()
            {
                var digits = string.Concat(Enumerable.Range(0, random.Next(7, 16)).Select(_ => (char)('0' + random.Next(10))));
                var date = Pick($"2024-0{random.Next(1, 10)}-{day:00}T{time}.{digits}{Pick("Z", "+01:00")}", $"{month} {day,2} {time}.{digits}");
                return $"{pri}{date} web1 app[{random.Next(1, 999)}]: a long fraction";
            }
        }
    }
}
