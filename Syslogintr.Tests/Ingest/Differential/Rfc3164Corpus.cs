using System.Text.RegularExpressions;

namespace Syslogintr.Tests.Ingest.Differential;

/// <summary>
/// RFC 3164 as senders write it: the original's "really malformed messages" (mostly rsyslog's own test cases),
/// fail2ban's sshd log lines, device lines seen in the wild, and seeded variants of common forms.
/// </summary>
internal static partial class Rfc3164Corpus
{
    /// <summary>Lines from devices and daemons that bend RFC 3164 (issue 13).</summary>
    public static readonly string[] DeviceLines =
    [
        "<13>Feb  2 10:00:00 web1 backup Job started",
        "<30>Feb  2 10:00:00 10.0.0.7 ntpd",
        "<30> Feb  2 10:00:00 web1 ntpd[12]: synced",
        "<38>Mar  3 2024 08:15:02 web1 sshd[7]: Accepted publickey",
        "<38>Mar  3 2024 08:15:02: web1 sshd[7]: Accepted publickey",
        "<13>2024-03-03 08:15:02.5+01:00 web1 app[1]: iso with a space",
        "<13>2024-03-03T08:15:02.123456789012+01:00 web1 app[1]: a very long fraction",
        "<189>120: *Mar  1 00:03:12.345: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
        "<189>121: .Mar  1 00:03:13.345: %LINK-3-UPDOWN: Interface Gi0/2, changed state to down",
        "<189>122: Mar  1 00:03:14: %SYS-5-CONFIG_I: Configured from console by vty0",
        "<189>123: router1: *Mar  1 00:03:15.345: %LINK-3-UPDOWN: Interface Gi0/3, changed state to up",
        "<13>Feb  2 10:00:00 aix1 Message forwarded from aix2: syslogd[123]: restart",
        "<13>Feb  2 10:00:00 Message forwarded from aix2: syslogd[123]: restart",
        "<13>Feb  2 10:00:00 Mac-mini.local com.apple.xpc.launchd[1] (com.apple.mdworker[42]): exited",
        "Use the BFG!",
        "Feb  2 10:00:00 web1 cron[99]: no pri at all",
    ];

    public static IEnumerable<string> Load()
    {
        var lines = new List<string>();
        lines.AddRange(DataLines(Path.Combine(AppContext.BaseDirectory, "Ingest", "Differential", "testdata", "loglines.txt")));
        lines.AddRange(DataLines(Path.Combine(AppContext.BaseDirectory, "Rules", "fail2ban-sshd", "sshd")));
        lines.AddRange(DeviceLines);
        lines.AddRange(Variants(seed: 13, count: 1000));
        lines.AddRange(DeviceVariants(seed: 14, count: 400));
        return lines;
    }

    /// <summary>Non-empty lines that are not comments (both files annotate with "#") nor RFC 5424 ("&lt;PRI&gt;1 ").</summary>
    private static IEnumerable<string> DataLines(string path) =>
        File.ReadLines(path).Where(l => l.Trim().Length > 0 && !l.StartsWith('#') && !Rfc5424().IsMatch(l));

    [GeneratedRegex(@"^<\d{1,3}>1 ")]
    private static partial Regex Rfc5424();

    /// <summary>Mutations of spacing, dates, hosts, tags, pids and PRIs, the same for a seed.</summary>
    public static IEnumerable<string> Variants(int seed, int count)
    {
        var random = new Random(seed);
        string Pick(params string[] options) => options[random.Next(options.Length)];
        for (var i = 0; i < count; i++)
        {
            var day = random.Next(1, 29);
            var time = $"{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}";
            var month = Pick("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov");
            var pri = Pick("", "<0>", "<13>", "<34>", "<86>", "<191>", $"<{random.Next(192)}>", "<30> ");
            var date = Pick(
                $"{month} {day,2} {time}",
                $"{month} {day:00} {time}",
                $"{month} {day} {time}",
                $"{month} {day,2} 2024 {time}",
                $"{month} {day,2} 2023 {time}:",
                $"{month} {day,2} {time}.{random.Next(1000):000}",
                $"2024-0{random.Next(1, 10)}-{day:00}T{time}Z",
                $"2024-0{random.Next(1, 10)}-{day:00}T{time}.{random.Next(1000000)}+02:00",
                $"2024-0{random.Next(1, 10)}-{day:00} {time}+01:00");
            var host = Pick("web1", "db-02.example.org", "10.0.0.7", "2001:db8::1", "localhost", "");
            var program = Pick("sshd", "CRON", "postfix/smtpd", "kernel", "systemd-logind", "ntpd", "su", "app.v2");
            var tag = Pick(
                $"{program}[{random.Next(1, 99999)}]:",
                $"{program}:",
                $"{program}[{random.Next(1, 99999)}]",
                program,
                $"{program}[abc-{random.Next(9)}]:",
                $"{program}[]:");
            var msg = Pick(
                "Accepted publickey for root from 192.0.2.4 port 22",
                "session opened for user foo",
                "x",
                "",
                "key: value",
                "[warn] disk full",
                "  two leading spaces");
            var space = Pick(" ", " ", " ", "  ");
            var header = host.Length == 0 ? $"{date}{space}{tag}" : $"{date}{space}{host} {tag}";
            yield return msg.Length == 0 ? $"{pri}{header}" : $"{pri}{header} {msg}";
        }
    }
}
