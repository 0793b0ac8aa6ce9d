using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Original;

/// <summary>
/// The seed's hour (issue 11; the original's freeze stories): <c>northlauderdale.lua</c> unchanged, with the
/// original's <c>check_apache</c> (wget) and <c>sendmail</c> (<c>io.popen("/usr/sbin/sendmail ...")</c>) modules.
/// Apache is down, so the script's top level mails both its recipients, and the MTA logs back into our unix socket
/// (200 lines, as Postfix through syslog(3)) and then hangs before it reads the mail. The original stopped reading its
/// sockets while the script waited: the MTA blocked in its 12th send (a unix datagram socket queues 10, net.unix.max_dgram_qlen),
/// the script waited on the MTA, and every other local sender blocked too (seen with the original built from
/// syslogintr.c in this test's place: 11 sent, then each sender blocked until its 5 s limit). Here no sender may block, UDP keeps flowing, the mail
/// goes out when the MTA returns, and every message sent is delivered or dropped and counted.
/// </summary>
[Collection(OriginalScriptsCollection.Name)]
public sealed partial class SeedHourTests(ITestOutputHelper output)
{
    private const int MtaLines = 200;

    // Per mail. The issue's MTA hangs 30 s; northlauderdale.lua mails two recipients, one sendmail each, so 15 s
    // each holds the script's top level those 30 s in all and keeps the test within ~45 s. What the hang must
    // exceed is tiny by comparison: the 100 ms bound, and the microseconds the MTA's 12th send takes to block
    // when nobody reads.
    private const int HangSeconds = 15;

    private static readonly TimeSpan SendBound = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SenderInterval = TimeSpan.FromMilliseconds(25);
    private static readonly string SeedHourData = Path.Combine(AppContext.BaseDirectory, "Original", "seed-hour");
    private const string MtaRecord = OriginalScriptRun.Run + "/postfix-logs.jsonl";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [OriginalScriptFact]
    public async Task The_MTA_that_logs_back_and_hangs_blocks_no_sender_UDP_keeps_flowing_and_the_mail_goes_out()
    {
        await using var run = await OriginalScriptRun.CreateAsync(new OriginalScriptSetup
        {
            // The home base the script relays every message to: an address of its own here, never the node's.
            Hosts = new Dictionary<string, string> { ["lucy.roswell.conman.org"] = "127.0.0.2" },
            Addresses = ["127.0.0.2"],
            LuaModules = new Dictionary<string, string>
            {
                ["log_beancounter.lua"] = await File.ReadAllTextAsync(Path.Combine(SeedHourData, "log_beancounter.lua")),
            },
            StandIns =
            [
                new StandIn("sendmail", "/usr/sbin/sendmail")
                {
                    First = $"python3 {SeedHourData}/postfix-logs.py {OriginalScriptRun.Socket} {MtaLines} {MtaRecord}; sleep {HangSeconds}",
                    ReadsStdin = true,
                },
            ],
        });
        var homeBase = run.Receive("127.0.0.2");
        var started = Stopwatch.StartNew();
        await run.StartNodeAsync("-f", "-i", "127.0.0.1", "-s", OriginalScriptRun.Socket, "-p", OriginalScriptRun.LuaPath, "northlauderdale.lua");

        // Our own senders on both sockets, every 25 ms, for as long as the script is blocked in sendmail.
        using var senders = new Senders(run.NodePid);
        var sending = senders.RunAsync(() => run.Invocations("sendmail").Count < 2 && started.Elapsed < TimeSpan.FromSeconds(2 * HangSeconds + 30));
        var mails = await WaitForMailsAsync(run, started);
        var sentDuringHang = senders.Sent;
        await sending;

        // Afterwards one more on each socket, as mail (the script flushes its maillog on every line, its other files
        // only when it closes them): once both are in the maillog, everything sent before them has been handled.
        senders.SendLast();
        await run.WaitForLinesAsync("/var/log/maillog", l => l.Any(x => x.Contains("seedhour-unix[1]: last")) && l.Any(x => x.Contains("seedhour-udp[2]: last")), "the last messages of both senders");
        var exitCode = await run.StopAsync();
        var messages = Lines(run, "/var/log/messages");
        var maillog = Lines(run, "/var/log/maillog");
        var mta = Lines(run, MtaRecord).Select(l => JsonSerializer.Deserialize<MtaRecordLine>(l, Json)!).ToList();
        output.WriteLine($"MTA sends: {string.Join(", ", mta)}; our senders: {senders}; took {started.Elapsed.TotalSeconds:F1}s");

        // No sender blocked: neither the MTA's 400 blocking sends nor ours on the unix socket and UDP.
        Assert.Equal(2, mta.Count);
        Assert.All(mta, m => Assert.True(m.Failed == 0 && m.Slowest < SendBound.TotalSeconds, $"the MTA's sends: {m}"));
        Assert.True(senders.Failed == 0 && senders.Slowest < SendBound, $"our senders: {senders}");

        // The mail goes out, as the script wrote it, to each recipient in turn (the script waited for the MTA).
        Assert.Equal(["-O", "-", "http://localhost/server-status/?auto"], Assert.Single(run.Invocations("wget")).Argv);
        Assert.Equal(["spc@conman.org", "spc@pickint.net"], mails.Select(m => Assert.Single(m.Argv)));
        foreach (var mail in mails)
        {
            Assert.Contains($"From: root@northlauderdale.pickint.net\nTo: {mail.Argv[0]}\nSubject: NORTHLAUDERDALE WEBSEVER DOWN!\nDate: ", mail.Stdin);
            Assert.Contains("\n\nWEB SERVER NOT RUNNING\n", mail.Stdin);
        }

        Assert.Contains(messages, l => l.EndsWith(": WEB SERVER NOT RUNNING", StringComparison.Ordinal));
        Assert.Equal(["start"], Assert.Single(run.Invocations("httpd")).Argv); // check_apache went on to its end

        // UDP (and the unix socket) kept flowing while the script was blocked: what was sent then reached its files.
        Assert.True(sentDuringHang.Udp >= HangSeconds * 2 * 10, $"only {sentDuringHang.Udp} UDP messages were sent during the hang");
        var udpLines = Numbered(messages, "127.0.0.1 seedhour-udp[2]: ");
        var unixLines = Numbered(messages, "localhost seedhour-unix[1]: ");
        Assert.Empty(Enumerable.Range(0, sentDuringHang.Udp).Except(udpLines));
        Assert.Empty(Enumerable.Range(0, sentDuringHang.Unix).Except(unixLines));

        // Nothing lost uncounted: every message sent is in the script's files or counted as dropped.
        var mtaLines = maillog.Count(l => MtaLine().IsMatch(l));
        var sent = mta.Sum(m => m.Sent) + senders.Sent.Unix + senders.Sent.Udp + 2;
        var found = mtaLines + udpLines.Count + unixLines.Count + 2;
        var dropped = Dropped(run.Output.Stderr);
        Assert.True(sent == found + dropped, $"sent {sent}, in the files {found}, counted as dropped {dropped}:\n{string.Join('\n', run.Output.Stderr)}");
        Assert.NotEmpty(homeBase.Datagrams); // and the script's relays went on to its home base
        Assert.True(exitCode == 0, $"the node exited {exitCode} on SIGTERM:\n{run.Output.All}");
    }

    /// <summary>The two mails as the sendmail stand-in recorded them, once both returned (bounded: 2 hangs and a start).</summary>
    private static async Task<IReadOnlyList<Invocation>> WaitForMailsAsync(OriginalScriptRun run, Stopwatch started)
    {
        while (run.Invocations("sendmail").Count < 2)
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(2 * HangSeconds + 30), $"the mails did not go out: {run.Invocations("sendmail").Count} of 2\n{run.Output.All}");
            await Task.Delay(50);
        }

        return run.Invocations("sendmail");
    }

    private static string[] Lines(OriginalScriptRun run, string path) => (run.ReadFile(path) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The numbers n of the lines "... PREFIXn" (the senders number their messages).</summary>
    private static HashSet<int> Numbered(IEnumerable<string> lines, string prefix) =>
        [.. lines.Select(l => l.IndexOf(prefix, StringComparison.Ordinal) is var at and >= 0 && int.TryParse(l[(at + prefix.Length)..], out var n) ? n : -1).Where(n => n >= 0)];

    /// <summary>
    /// Every drop the node counted, from its counters at stop: listeners' (queue full, and the kernel's for UDP) and
    /// consumers'. Script mode logs warnings only, and the line is a warning exactly when something was lost: none, none lost.
    /// </summary>
    private static long Dropped(IEnumerable<string> stderr)
    {
        var summary = stderr.LastOrDefault(l => l.Contains("counters at stop: ", StringComparison.Ordinal));
        if (summary is null)
        {
            return 0;
        }

        return ListenerDrops().Matches(summary).Sum(m => long.Parse(m.Groups[1].Value) + long.Parse(m.Groups[2].Value))
            + ConsumerDrops().Matches(summary).Sum(m => long.Parse(m.Groups[1].Value));
    }

    [GeneratedRegex(@"postfix/pickup\[\d+\]: seedhour-postfix \d+ line \d+: ")]
    private static partial Regex MtaLine();

    [GeneratedRegex(@"received=\d+ bytes=\d+ parse_errors=\d+ truncated=\d+ dropped=(\d+) kernel_dropped=(\d+)")]
    private static partial Regex ListenerDrops();

    [GeneratedRegex(@"delivered=\d+ in_flight=\d+ dropped=(\d+)")]
    private static partial Regex ConsumerDrops();

    /// <summary>One line postfix-logs.py appends: one run of the MTA's logging.</summary>
    private sealed record MtaRecordLine(int Pid, int Sent, int Failed, double Slowest)
    {
        public override string ToString() => $"pid {Pid}: {Sent} sent, {Failed} failed, slowest {Slowest * 1000:F1} ms";
    }

    /// <summary>
    /// A sender on the node's unix socket (blocking, as syslog(3); given up after 5 s) and one on its UDP address,
    /// each message numbered and each send timed.
    /// </summary>
    private sealed class Senders(int nodePid) : IDisposable
    {
        private readonly Socket unix = UnixSocket(nodePid);
        private readonly Socket udp = NetworkNamespace.Inside(nodePid, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        private readonly IPEndPoint node = new(IPAddress.Loopback, 514);
        private readonly ConcurrentBag<string> failures = [];
        private int unixSent;
        private int udpSent;
        private long slowestTicks;

        public (int Unix, int Udp) Sent => (Volatile.Read(ref unixSent), Volatile.Read(ref udpSent));

        public int Failed => failures.Count;

        public TimeSpan Slowest => TimeSpan.FromTicks(Interlocked.Read(ref slowestTicks));

        /// <summary>Sends one message on each socket every 25 ms while <paramref name="go"/> holds, each socket on a thread of its own (a send may block).</summary>
        public Task RunAsync(Func<bool> go) => Task.WhenAll(
            Loop(go, () => Send(unix, null, $"<13>{Now()} seedhour-unix[1]: {unixSent}", ref unixSent)),
            Loop(go, () => Send(udp, node, $"<13>{Now()} seedhour-udp[2]: {udpSent}", ref udpSent)));

        public void SendLast()
        {
            var last = 0;
            Send(unix, null, $"<22>{Now()} seedhour-unix[1]: last", ref last);
            Send(udp, node, $"<22>{Now()} seedhour-udp[2]: last", ref last);
        }

        public void Dispose()
        {
            unix.Dispose();
            udp.Dispose();
        }

        public override string ToString() => $"{Sent.Unix} on the unix socket and {Sent.Udp} over UDP, {Failed} failed, slowest {Slowest.TotalMilliseconds:F1} ms";

        private void Send(Socket socket, IPEndPoint? to, string text, ref int count)
        {
            var datagram = Encoding.ASCII.GetBytes(text);
            var timer = Stopwatch.StartNew();
            try
            {
                _ = to is null ? socket.Send(datagram) : socket.SendTo(datagram, to);
                Interlocked.Increment(ref count);
            }
            catch (SocketException e)
            {
                failures.Add($"{text}: {e.SocketErrorCode}");
            }

            var elapsed = timer.Elapsed.Ticks;
            for (var seen = Interlocked.Read(ref slowestTicks); elapsed > seen; seen = Interlocked.Read(ref slowestTicks))
            {
                Interlocked.CompareExchange(ref slowestTicks, elapsed, seen);
            }
        }

        private static Task Loop(Func<bool> go, Action send) => Task.Factory.StartNew(() =>
        {
            while (go())
            {
                send();
                Thread.Sleep(SenderInterval);
            }
        }, TaskCreationOptions.LongRunning);

        /// <summary>An RFC 3164 timestamp (the day padded with a space), as syslog(3) writes it.</summary>
        private static string Now()
        {
            var now = DateTime.Now;
            return $"{now.ToString("MMM", CultureInfo.InvariantCulture)} {now.Day,2} {now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}";
        }

        /// <summary>Blocking, as syslog(3): a node that stops reading makes a send wait (bounded here to 5 s, then counted as failed).</summary>
        private static Socket UnixSocket(int pid)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 5000 };
            socket.Connect(new UnixDomainSocketEndPoint($"/proc/{pid}/root{OriginalScriptRun.Socket}"));
            return socket;
        }
    }
}
