using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Syslogintr.Tests.Alerts.Mail;
using Syslogintr.Tests.Probes;
using Syslogintr.Tests.Support;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Alerts;

/// <summary>
/// The hour the original froze, recreated: the web server and the name server are down, the alert mail goes to
/// an MTA that logs 200 lines into our unix socket (like Postfix through /dev/log) and then does not answer,
/// while UDP senders keep logging. Real sockets, a real SMTP server, a whole node.
/// The MTA hangs <see cref="Hang"/> (the issue's 30 s shortened to keep the suite fast; the mail client's own
/// timeout is 30 s, so it simply waits). It runs alone, after the parallel tests: its 100 ms bound on a blocking
/// unix send measures our listener, not the CPU contention of a dozen other tests.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed partial class SeedScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(10);
    private const int MtaLinesPerMail = 200;

    [Fact]
    public async Task Both_services_down_and_a_hung_mail_server_cost_no_listener_a_message_and_one_mail_each_way()
    {
        var files = TempFolder.Create();
        var httpPort = TestSmtpServer.FreeTcpPort();
        var pidFile = Path.Combine(files, "named.pid");
        File.WriteAllText(pidFile, "99999\n"); // above this machine's pid_max: no such process
        using var smtp = new TestSmtpServer();
        await using var node = await TestNode.StartAsync($$"""
            syslogintr {
              probes {
                web   { kind = http-status, url = "http://127.0.0.1:{{httpPort}}/server-status?auto", every = 2s, timeout = 1s, jitter = 0s }
                named { kind = pidfile, path = "{{pidFile}}", every = 2s, timeout = 1s, jitter = 0s }
              }
              alerts { group-window = 3s, repeat = 1h, max-per-hour = 20, state-file = "{{files}}/alerts.json" }
              mail {
                transport = smtp
                smtp { host = "127.0.0.1", port = {{smtp.Port}}, security = none, timeout = 30s }
                from = "syslogintr@localhost"
                to = ["root@localhost"]
                outbox = "{{files}}/outbox"
              }
            }
            """);

        var mta = new Mta(node.SocketPath);
        var hanging = 1;
        var hangStarted = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        smtp.BeforeAnswer = async ct =>
        {
            mta.Log(MtaLinesPerMail);
            if (Interlocked.Exchange(ref hanging, 0) == 1)
            {
                hangStarted.TrySetResult(DateTime.UtcNow);
                await Task.Delay(Hang, ct);
            }
        };

        using var load = new UdpLoad(node.Port);
        var udp = node.Services.Metrics.Listener("udp");
        try
        {
            // Both probes fire at start and report down; the grouped alert reaches the MTA, which hangs.
            var hangStart = await hangStarted.Task.WaitAsync(TimeSpan.FromSeconds(15));
            var samples = new List<(double Seconds, long Received)>();
            while (DateTime.UtcNow - hangStart is var elapsed && elapsed < Hang - TimeSpan.FromSeconds(1))
            {
                samples.Add((elapsed.TotalSeconds, udp.Received));
                Assert.Empty(smtp.Accepted);
                await Task.Delay(500);
            }

            for (var i = 1; i < samples.Count; i++)
            {
                Assert.True(samples[i].Received > samples[i - 1].Received, $"UDP received count stalled during the hang: {string.Join(", ", samples)}");
            }

            var hangRate = (samples[^1].Received - samples[0].Received) / (samples[^1].Seconds - samples[0].Seconds);

            // The MTA answers: one mail per alert key (both raised together, so normally one mail listing both).
            await WaitUntil(() => Mentions(smtp, "DOWN web is down") == 1 && Mentions(smtp, "DOWN named is down") == 1, TimeSpan.FromSeconds(10));
            var downMails = smtp.Accepted.Count;

            // The targets come back: one recovery mail per key.
            using var apache = new StatusHttpServer(_ => (200, ProbeKindTests.ApacheAuto), httpPort);
            File.WriteAllText(pidFile, $"{Environment.ProcessId}\n");
            await WaitUntil(() => Mentions(smtp, "RECOVERED web is down") == 1 && Mentions(smtp, "RECOVERED named is down") == 1, TimeSpan.FromSeconds(10));
            var allMails = smtp.Accepted.Count;
            await Task.Delay(TimeSpan.FromSeconds(4)); // two more probe rounds: nothing else may be mailed
            Assert.Equal(allMails, smtp.Accepted.Count);
            Assert.All(smtp.Accepted.Select(m => m.TextBody), b => Assert.DoesNotContain("STILL DOWN", b));
            Assert.Equal(1, downMails); // grouped
            Assert.Equal(2, allMails);

            load.Stop();
            var sent = load.Sent;
            var local = node.Services.Metrics.Listener("local");
            var drops = () => udp.Dropped + udp.KernelDropped + local.Dropped + node.Services.Metrics.Consumers.Sum(c => c.Dropped);
            var expected = sent + mta.Written;
            var lines = await node.WaitForLinesAsync(l => l.Count(x => x.Contains(" loadgen[") || x.Contains(" postfix/smtpd[")) + drops() >= expected, TimeSpan.FromSeconds(15));
            var loadSeqs = Sequence(lines, "loadgen");
            var mtaSeqs = Sequence(lines, "postfix/smtpd");
            var sinkDrops = node.Services.Metrics.Consumers.Sum(c => c.Dropped);
            output.WriteLine($"longest MTA send: {mta.LongestSend.TotalMilliseconds:0.000} ms over {mta.Written} writes; in file {mtaSeqs.Count}");
            output.WriteLine($"UDP listener during the {Hang.TotalSeconds:0} s hang: {hangRate:0} msg/s received; samples {string.Join(" ", samples.Select(s => s.Received))}");
            output.WriteLine($"UDP sent {sent}, in file {loadSeqs.Count}, listener dropped {udp.Dropped}, kernel dropped {udp.KernelDropped}");
            output.WriteLine($"unix listener received {local.Received}, dropped {local.Dropped}; file sink dropped {sinkDrops} (router credit)");
            output.WriteLine($"SMTP: DATA received {smtp.DataReceived}, mails accepted {smtp.Accepted.Count}: {string.Join(" | ", smtp.Accepted.Select(m => m.Subject))}");

            // Probe results were logged through the pipeline like the original's check_apache/check_bind.
            Assert.Contains(lines, l => l.Contains(" check/httpd[") && l.Contains("WEB SERVER NOT RUNNING"));
            Assert.Contains(lines, l => l.Contains(" check/httpd[") && l.Contains("accesses=1234"));
            Assert.Contains(lines, l => l.Contains(" check/named[") && l.Contains("process 99999"));
            Assert.Contains(lines, l => l.Contains(" check/named[") && l.Contains("still running"));

            // Nothing out of order per sender; every message is in the file or counted as dropped (the sink's
            // drops are counted per consumer, not per sender, so they may include probe lines too).
            AssertIncreasing(loadSeqs, "loadgen");
            AssertIncreasing(mtaSeqs, "postfix/smtpd");
            Assert.InRange(loadSeqs.Count + mtaSeqs.Count, expected - drops(), expected);
            Assert.True(mta.LongestSend < TimeSpan.FromMilliseconds(100), $"an MTA write to the unix socket blocked {mta.LongestSend.TotalMilliseconds:0.0} ms");
        }
        finally
        {
            load.Stop();
            TempFolder.Delete(files);
        }
    }

    /// <summary>How many accepted mails carry <paramref name="line"/> (a notice line of the body).</summary>
    private static int Mentions(TestSmtpServer smtp, string line) => smtp.Accepted.Count(m => m.TextBody?.Contains(line) == true);

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }

    private static List<long> Sequence(IEnumerable<string> lines, string program) =>
        [.. lines.Where(l => l.Contains($" {program}[")).Select(l => long.Parse(SeqPattern().Match(l).Groups[1].Value))];

    private static void AssertIncreasing(List<long> seqs, string sender)
    {
        for (var i = 1; i < seqs.Count; i++)
        {
            Assert.True(seqs[i] > seqs[i - 1], $"{sender}: seq {seqs[i]} after {seqs[i - 1]}");
        }
    }

    [GeneratedRegex(@"seq (\d+)")]
    private static partial Regex SeqPattern();

    /// <summary>Postfix logging through /dev/log: blocking unix datagram sends, each one timed.</summary>
    private sealed class Mta(string socketPath)
    {
        private readonly Lock gate = new();
        private long seq;

        public long Written { get; private set; }

        public TimeSpan LongestSend { get; private set; }

        public void Log(int lines)
        {
            lock (gate)
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
                var watch = new Stopwatch();
                for (var i = 0; i < lines; i++)
                {
                    var text = $"<22>Nov 29 03:00:00 postfix/smtpd[4242]: 4F2A1{seq:X5}: client=localhost[127.0.0.1] seq {seq}";
                    watch.Restart();
                    socket.Send(Encoding.ASCII.GetBytes(text));
                    LongestSend = watch.Elapsed > LongestSend ? watch.Elapsed : LongestSend;
                    seq++;
                    Written++;
                }
            }
        }
    }

    /// <summary>A UDP sender at a steady ~5,000 msg/s, numbering its messages, until stopped.</summary>
    private sealed class UdpLoad : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;
        private long sent;

        public UdpLoad(int port)
        {
            thread = new Thread(() =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
                var clock = Stopwatch.StartNew();
                while (!stop.IsCancellationRequested)
                {
                    // 50 messages every 10 ms.
                    for (var i = 0; i < 50; i++)
                    {
                        socket.Send(Encoding.ASCII.GetBytes($"<14>Nov 29 03:00:00 loadhost loadgen[1]: seq {sent}"));
                        Interlocked.Increment(ref sent);
                    }

                    var due = TimeSpan.FromMilliseconds(10 * (Interlocked.Read(ref sent) / 50));
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        Thread.Sleep(wait);
                    }
                }
            })
            { IsBackground = true, Name = "udp-load" };
            thread.Start();
        }

        public long Sent => Interlocked.Read(ref sent);

        public void Stop()
        {
            stop.Cancel();
            thread.Join();
        }

        public void Dispose()
        {
            Stop();
            stop.Dispose();
        }
    }
}
