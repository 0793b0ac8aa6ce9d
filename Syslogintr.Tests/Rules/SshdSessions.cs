using System.Globalization;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// A syslog file of realistic OpenSSH sessions (RFC 3164 lines as rsyslog writes auth.log): several sshd processes
/// at once, their lines interleaved; PAM's report before sshd's own "Failed password"; invalid users; rsyslog's
/// "message repeated N times"; a "Too many authentication failures" that names no host; IPv6; successful logins;
/// OpenSSH 9.8's sshd-session as the program.
/// </summary>
internal static class SshdSessions
{
    private static readonly string[] Hosts =
    [
        "192.0.2.10", "192.0.2.11", "198.51.100.7", "203.0.113.99", "203.0.113.5", "2001:db8::17", "2001:db8:1::a",
        "198.51.100.200", "192.0.2.250", "2001:db8:ffff::1",
    ];

    private static readonly string[] Users = ["root", "admin", "oracle", "ubuntu", "test", "git"];

    /// <summary>The lines of <paramref name="sessions"/> sessions over about two hours, sorted by time, no trailing newline.</summary>
    public static List<string> Generate(Random random, int sessions)
    {
        var start = new DateTime(2026, 3, 3, 8, 0, 0, DateTimeKind.Unspecified);
        var lines = new List<(DateTime At, int Order, string Text)>();
        for (var s = 0; s < sessions; s++)
        {
            var pid = 4000 + s;
            var at = start.AddSeconds(random.Next(0, 7200));
            var host = Hosts[random.Next(Hosts.Length)];
            var port = random.Next(1024, 65535);
            var user = Users[random.Next(Users.Length)];
            var order = 0;
            var program = random.Next(4) == 0 ? "sshd-session" : "sshd";
            void Line(string text)
            {
                lines.Add((at, order++, $"{at.ToString("MMM", CultureInfo.InvariantCulture)} {at.Day,2} {at:HH:mm:ss} bastion {program}[{pid}]: {text}"));
                at = at.AddSeconds(random.Next(0, 4));
            }

            Line($"Connection from {host} port {port} on 10.0.0.1 port 22");
            switch (random.Next(7))
            {
                case 0: // wrong passwords for a real user, PAM's report first, then disconnected
                    Line($"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={host}  user={user}");
                    for (var i = random.Next(1, 4); i > 0; i--)
                    {
                        Line($"Failed password for {user} from {host} port {port} ssh2");
                    }

                    Line($"Connection closed by authenticating user {user} {host} port {port} [preauth]");
                    break;
                case 1: // an invalid user: both lines count
                    Line($"Invalid user {user}x from {host} port {port}");
                    Line("pam_unix(sshd:auth): check pass; user unknown");
                    Line($"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={host}");
                    Line($"Failed password for invalid user {user}x from {host} port {port} ssh2");
                    Line($"Received disconnect from {host} port {port}:11: Bye Bye [preauth]");
                    break;
                case 2: // rsyslog folded identical lines (fail2ban sees one line it does not recognise)
                    Line($"Failed password for {user} from {host} port {port} ssh2");
                    Line($"message repeated {random.Next(2, 6)} times: [ Failed password for {user} from {host} port {port} ssh2]");
                    Line($"Disconnecting authenticating user {user} {host} port {port}: Too many authentication failures [preauth]");
                    break;
                case 3: // the host only on an earlier line of the process
                    Line($"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={host}  user={user}");
                    Line($"Failed password for {user} from {host} port {port} ssh2");
                    Line($"error: maximum authentication attempts exceeded for {user} from {host} port {port} ssh2 [preauth]");
                    Line("Disconnecting: Too many authentication failures [preauth]");
                    break;
                case 4: // a success after a typo
                    Line($"Failed password for {user} from {host} port {port} ssh2");
                    Line($"Accepted password for {user} from {host} port {port} ssh2");
                    Line($"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)");
                    break;
                case 5: // a scanner
                    Line($"Did not receive identification string from {host} port {port}");
                    break;
                default: // a client giving up before authenticating
                    Line($"Connection closed by {host} port {port} [preauth]");
                    break;
            }
        }

        // Sessions overlap in time, so their lines interleave; a process's own lines keep their order.
        return [.. lines.OrderBy(l => l.At).ThenBy(l => l.Order).Select(l => l.Text)];
    }
}
