using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Syslogintr.Ingest;
using Syslogintr.Rules.Replay;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Rules;

/// <summary>
/// fail2ban itself as the oracle: the real <c>fail2ban-regex</c> (Debian package fail2ban) with the stock sshd filter
/// reads a log in each mode; sshblock.lua reads the same lines in the real rule host. The failures (host, time) must
/// be the same multiset, and the bans sshblock asks for must be those of a sliding window over fail2ban's failures.
/// </summary>
public sealed partial class SshBlockFail2banDifferentialTests(ITestOutputHelper output)
{
    private static readonly string[] Modes = ["normal", "aggressive", "ddos"];

    /// <summary>(maxretry, findtime in seconds): 1 and fail2ban's defaults, tighter and looser windows.</summary>
    private static readonly (int MaxRetry, int FindTime)[] Jails = [(1, 600), (3, 600), (5, 600), (2, 60), (4, 3600)];

    private const int BanTime = 600;

    [Fact]
    public void Generated_sessions_give_the_failures_and_bans_fail2ban_gives_in_every_mode()
    {
        var lines = SshdSessions.Generate(new Random(13), sessions: 120);
        Assert.InRange(lines.Count, 300, 1200);
        AssertAgreement("generated", lines);
    }

    /// <summary>
    /// The log comes from fail2ban 1.1 (commit deffcbcd); its cases for filter lines added after Debian's 1.0.2
    /// (ddos: gh-3486 "message authentication code incorrect", "Connection corrupted", "Timeout before
    /// authentication"; gh-3907) are left out here, SshBlockAgreementTests checks them against their annotations.
    /// </summary>
    [Fact]
    public void Fail2bans_own_sshd_log_gives_the_failures_and_bans_fail2ban_gives_in_every_mode()
    {
        var (lines, newer, annotation) = (new List<string>(), 0, "");
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Rules", "fail2ban-sshd", "sshd")))
        {
            if (line.StartsWith("# failJSON:", StringComparison.Ordinal))
            {
                annotation = line;
            }
            else if (!string.IsNullOrWhiteSpace(line) && !line.StartsWith('#'))
            {
                var afterDebiansFail2ban = annotation.Contains("gh-3486", StringComparison.Ordinal) || annotation.Contains("gh-3907", StringComparison.Ordinal);
                newer += afterDebiansFail2ban ? 1 : 0;
                if (!afterDebiansFail2ban)
                {
                    lines.Add(line);
                }

                annotation = "";
            }
        }

        Assert.Equal(4, newer);
        AssertAgreement("fail2ban's sshd test log", lines);
    }

    /// <summary>Measures every mode and jail first (the numbers go to the test output), then asserts them all.</summary>
    private void AssertAgreement(string name, IReadOnlyList<string> lines)
    {
        var disagreements = new List<string>();
        foreach (var mode in Modes)
        {
            var expected = Fail2banFailures(lines, mode);
            var found = SshblockFailures(lines, $"verbose = true, mode = {mode}, maxretry = 1000000");
            var common = Common(expected.Select(f => f.Key), found.Select(f => f.Key));
            output.WriteLine($"{name}, {mode}: fail2ban {expected.Count} failures, sshblock {found.Count}, in common {common}");
            if (expected.Count == 0 || common != expected.Count || common != found.Count)
            {
                disagreements.Add($"{mode}: failures {expected.Count}/{found.Count}/{common} (fail2ban/sshblock/common)");
            }

            foreach (var key in expected.Select(f => f.Key).Except(found.Select(f => f.Key)))
            {
                output.WriteLine($"  only fail2ban: {key}");
            }

            foreach (var key in found.Select(f => f.Key).Except(expected.Select(f => f.Key)))
            {
                output.WriteLine($"  only sshblock: {key}");
            }

            foreach (var (maxRetry, findTime) in Jails)
            {
                var want = SlidingWindowBans(expected, maxRetry, findTime);
                var got = SshblockBans(lines, $"mode = {mode}, maxretry = {maxRetry}, findtime = {findTime}, bantime = {BanTime}, ignoreip = \"\"");
                var same = want.SequenceEqual(got);
                output.WriteLine($"  maxretry {maxRetry}, findtime {findTime}s: fail2ban bans {want.Count}, sshblock {got.Count}{(same ? "" : " DIFFERENT")}");
                if (!same)
                {
                    disagreements.Add($"{mode} maxretry {maxRetry} findtime {findTime}: [{string.Join(", ", want)}] vs [{string.Join(", ", got)}]");
                }
            }
        }

        Assert.Empty(disagreements);
    }

    private static int Common(IEnumerable<string> a, IEnumerable<string> b)
    {
        var left = a.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        return b.GroupBy(k => k).Sum(g => Math.Min(g.Count(), left.GetValueOrDefault(g.Key)));
    }

    /// <summary>
    /// fail2ban's failures in log order. fail2ban reads one log format per jail (logtype): RFC 5424 lines, which
    /// syslogintr reads among the others, go to a second run with logtype = rfc5424 and must come last. The daemon
    /// is fail2ban 1.1's "sshd(?:-session)?" (OpenSSH 9.8 logs from sshd-session), which Debian's 1.0.2 predates.
    /// </summary>
    private static List<Failure> Fail2banFailures(IReadOnlyList<string> lines, string mode)
    {
        var rfc5424 = lines.SkipWhile(line => !line.StartsWith('<')).ToList();
        Assert.All(rfc5424, line => Assert.StartsWith("<", line));
        var filter = $"sshd[mode={mode}, _daemon=\"sshd(?:-session)?\"";
        return
        [
            .. Fail2banRegex(lines.Take(lines.Count - rfc5424.Count), filter + "]"),
            .. Fail2banRegex(rfc5424, filter + ", logtype=rfc5424]"),
        ];
    }

    /// <summary>fail2ban-regex -o row: one <c>['HOST', EPOCH, {…}]</c> per failure, in the order of the log.</summary>
    private static List<Failure> Fail2banRegex(IEnumerable<string> lines, string filter)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sshblock-f2b-{Guid.NewGuid():N}.log");
        // fail2ban's file reader holds a last line without "\n" back as incomplete; a syslog frame is complete, so the
        // rule reads the last line as it is and fail2ban gets it terminated.
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        try
        {
            return Fail2banRegex(path, filter);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<Failure> Fail2banRegex(string path, string filter)
    {
        var start = new ProcessStartInfo("fail2ban-regex") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-r", "-o", "row", path, filter })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("fail2ban-regex did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "fail2ban-regex ran over a minute");
        Assert.True(process.ExitCode == 0, $"fail2ban-regex failed ({process.ExitCode}): {stderr.Result}");
        return [.. Row().Matches(stdout).Select(m => new Failure(
            m.Groups[1].Value,
            DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 1000))))];
    }

    private static List<Failure> SshblockFailures(IReadOnlyList<string> lines, string options)
    {
        using var rule = Replay(lines, options);
        return [.. rule.Logged.Select(text => Found().Match(text)).Where(m => m.Success).Select(m => new Failure(
            m.Groups[1].Value,
            DateTimeOffset.ParseExact(m.Groups[2].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)))];
    }

    private static List<string> SshblockBans(IReadOnlyList<string> lines, string options)
    {
        using var rule = Replay(lines, options);
        return [.. rule.Bans.Select(ban => ban.Address)];
    }

    private static SshBlockRule Replay(IReadOnlyList<string> lines, string options)
    {
        var rule = new SshBlockRule(options);
        var reader = new LogLineReader(rule.Clock, Facility.AuthPriv, Severity.Informational, DateTimeOffset.Now);
        foreach (var line in lines)
        {
            if (reader.Read(line) is { } message)
            {
                rule.Deliver(message);
            }
        }

        Assert.Empty(rule.Errors);
        return rule;
    }

    /// <summary>
    /// The jail's count over fail2ban's failures, in log order: an address is banned at its maxretry-th failure within
    /// findtime; failures while it is banned do not count, and a ban starts its count afresh. Only IP addresses are
    /// banned (fail2ban with usedns = no); a dotted quad with a leading zero is ambiguous and never banned.
    /// </summary>
    private static List<string> SlidingWindowBans(List<Failure> failures, int maxRetry, int findTime)
    {
        var windows = new Dictionary<string, List<DateTimeOffset>>();
        var bannedUntil = new Dictionary<string, DateTimeOffset>();
        var bans = new List<string>();
        foreach (var (host, at) in failures)
        {
            if (!IPAddress.TryParse(host, out _) || LeadingZero().IsMatch(host)
                || (bannedUntil.TryGetValue(host, out var until) && until > at))
            {
                continue;
            }

            var window = windows.GetValueOrDefault(host, []).Where(t => t > at.AddSeconds(-findTime)).Append(at).ToList();
            if (window.Count >= maxRetry)
            {
                bans.Add(host);
                bannedUntil[host] = at.AddSeconds(BanTime);
                windows.Remove(host);
            }
            else
            {
                windows[host] = window;
            }
        }

        return bans;
    }

    private sealed record Failure(string Host, DateTimeOffset At)
    {
        /// <summary>Host and UTC time without the year: both sides guess a year-less log's year from "now".</summary>
        public string Key => $"{Host} {At.UtcDateTime:MM-dd HH:mm:ss}";
    }

    [GeneratedRegex(@"^\['([^']+)',\s+([0-9.]+),", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex(@"^Found (\S+) - (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")]
    private static partial Regex Found();

    [GeneratedRegex(@"(^|\.)0\d")]
    private static partial Regex LeadingZero();
}
