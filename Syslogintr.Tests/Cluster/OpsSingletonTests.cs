using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Hosting;
using Syslogintr.Alerts;
using Syslogintr.Alerts.Replication;
using Syslogintr.Ingest;
using Syslogintr.Tests.Alerts.Mail;
using Syslogintr.Tests.Support;
using Xunit.Abstractions;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Three whole nodes in this process, every one configured with the same probe and the same mail server (a real
/// SMTP server in the test): the probe runs once per interval cluster-wide, an alert pending when its owner dies
/// is mailed exactly once by the next owner, and an alert raised on two nodes at once is one mail.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OpsSingletonTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(25);

    private static string Ops(int probePort, int smtpPort, TimeSpan groupWindow) => $$"""
        syslogintr {
          probes.web { kind = tcp, port = {{probePort}}, every = 1s, timeout = 500ms, jitter = 0s }
          alerts { group-window = {{(int)groupWindow.TotalMilliseconds}}ms, repeat = 1h, state-file = "./unused-in-a-cluster.json" }
          mail {
            transport = smtp
            smtp { host = "127.0.0.1", port = {{smtpPort}}, security = none, timeout = 5s }
            retry { min-backoff = 200ms, max-backoff = 1s }
          }
        }
        """;

    /// <summary>Lines the probe logged into this node's pipeline (the node running the scheduler).</summary>
    private static int ProbeLines(TestNode node) => node.ReadLines().Count(l => l.Contains("check/web", StringComparison.Ordinal));

    [Fact]
    public async Task A_probe_configured_on_three_nodes_runs_once_per_interval_cluster_wide()
    {
        using var target = new ConnectionCounter();
        using var smtp = new TestSmtpServer();
        await using var cluster = await TestCluster.StartAsync(3, _ => Ops(target.Port, smtp.Port, TimeSpan.FromSeconds(1)));

        await WaitUntil(() => target.Count > 0, TimeSpan.FromSeconds(15));
        var before = target.Count;
        await Task.Delay(TimeSpan.FromSeconds(6));
        var runs = target.Count - before;

        // Every 1 s: about 6 runs, and 18 if each node ran its own scheduler. The lower bound only says the schedule
        // goes on: a loaded CI machine (three nodes in one process on 2 cores) once let 3 runs through in the 6 s.
        Assert.InRange(runs, 2, 8);
        await WaitUntil(() => cluster.Nodes.Any(n => ProbeLines(n) > 0), TimeSpan.FromSeconds(5));
        Assert.Single(cluster.Nodes, n => ProbeLines(n) > 0);
    }

    [Fact]
    public async Task When_the_owner_dies_with_an_alert_pending_probes_go_on_elsewhere_and_the_alert_is_mailed_exactly_once()
    {
        var down = TestSmtpServer.FreeTcpPort(); // nothing listens: the probe fails at every run
        // Long enough that seeing the owner's probe line, the second below and the kill fit in it on a loaded 2-core
        // machine (at 3 s a CI run once mailed before the kill).
        var window = TimeSpan.FromSeconds(6);
        using var smtp = new TestSmtpServer();
        await using var cluster = await TestCluster.StartAsync(3, _ => Ops(down, smtp.Port, window));

        // The probe failed on the owner: its alert waits there for the group window.
        await WaitUntil(() => cluster.Nodes.Any(n => ProbeLines(n) > 0), TimeSpan.FromSeconds(15));
        var owner = cluster.Nodes.Single(n => ProbeLines(n) > 0);
        // The result is logged before the alert is raised and saved on a majority: kill the owner only once another
        // node's replica holds the pending alert (a fixed second was not always enough on a loaded machine).
        await WaitUntilAsync(() => HoldsPendingAlertAsync(cluster.Nodes.Where(n => n != owner)), window / 2);
        var killedAt = DateTimeOffset.UtcNow;
        await cluster.KillAsync(Index(cluster, owner));
        Assert.Empty(smtp.Accepted);

        var killed = Stopwatch.StartNew();
        await WaitUntil(() => cluster.Alive.Any(n => ProbeLines(n) > 0), Takeover);
        var probesBack = killed.Elapsed;
        await WaitUntil(() => !smtp.Accepted.IsEmpty, window + TimeSpan.FromSeconds(10));
        output.WriteLine($"probes ran again {probesBack.TotalSeconds:0.0} s after the kill, the mail left {killed.Elapsed.TotalSeconds:0.0} s after it");
        // Another group window and a few probe runs: no second mail from anyone.
        await Task.Delay(window);

        var mail = Assert.Single(smtp.Accepted);
        Assert.Equal($"[syslogintr {owner.Services.HostName}] DOWN: web is down", mail.Subject);
        // The dead owner's alert, not the one the new scheduler raised again when it took over.
        Assert.True(Since(mail.TextBody ?? "") < killedAt, $"the mail is about an alert raised after the kill: {mail.TextBody}");
        Assert.True(probesBack < Takeover, $"probes ran again {probesBack} after the kill");
    }

    [Fact]
    public async Task A_mail_the_dead_owner_could_not_send_is_sent_exactly_once_by_the_next_owner()
    {
        var down = TestSmtpServer.FreeTcpPort();
        var smtpPort = TestSmtpServer.FreeTcpPort(); // the mail server is down until the owner is dead
        var window = TimeSpan.FromMilliseconds(500);
        await using var cluster = await TestCluster.StartAsync(3, _ => Ops(down, smtpPort, window));

        await WaitUntil(() => cluster.Nodes.Any(n => ProbeLines(n) > 0), TimeSpan.FromSeconds(15));
        var owner = cluster.Nodes.Single(n => ProbeLines(n) > 0);
        // The mail is decided after the window and its attempts fail (connection refused) until the kill.
        await Task.Delay(window + TimeSpan.FromSeconds(1.5));
        var killedAt = DateTimeOffset.UtcNow;
        await cluster.KillAsync(Index(cluster, owner));
        using var smtp = new TestSmtpServer(smtpPort);

        await WaitUntil(() => !smtp.Accepted.IsEmpty, Takeover + TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(3));

        var mail = Assert.Single(smtp.Accepted);
        Assert.EndsWith("DOWN: web is down", mail.Subject);
        Assert.True(Since(mail.TextBody ?? "") < killedAt, $"the mail is about an alert raised after the kill: {mail.TextBody}");
    }

    /// <summary>When the alert a mail reports was first raised (its body says <c>since yyyy-MM-dd HH:mm:ss zzz</c>).</summary>
    private static DateTimeOffset Since(string body) =>
        DateTimeOffset.ParseExact(Regex.Match(body, @"since (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d)").Groups[1].Value, "yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_same_alert_raised_on_two_nodes_at_once_is_one_mail()
    {
        using var smtp = new TestSmtpServer();
        var window = TimeSpan.FromSeconds(1);
        // A probe target that is up: the probe raises nothing.
        using var target = new ConnectionCounter();
        await using var cluster = await TestCluster.StartAsync(3, _ => Ops(target.Port, smtp.Port, window));
        var at = DateTimeOffset.UtcNow;
        var raised = new AlertRaised("rule/disk", "disk full", "/var is full", Severity.Critical, "rule", at);

        await Task.WhenAll(cluster.Nodes.Skip(1).Select(n => Task.Run(() => ActorRegistry.For(n.System).Get<AlertsKey>().Tell(raised, Akka.Actor.ActorRefs.NoSender))));
        // Only the disk alert's mails count: on a loaded machine the web probe may time out and mail its own.
        static bool AboutDisk(MimeKit.MimeMessage m) => m.Subject?.Contains("disk full", StringComparison.Ordinal) == true;
        await WaitUntil(() => smtp.Accepted.Any(AboutDisk), Takeover);
        await Task.Delay(window + TimeSpan.FromSeconds(2));

        var mail = Assert.Single(smtp.Accepted, AboutDisk);
        Assert.EndsWith("DOWN: disk full", mail.Subject);
    }

    /// <summary>Whether one of these nodes' own replicas of the alert state holds an alert waiting to be mailed.</summary>
    private static async Task<bool> HoldsPendingAlertAsync(IEnumerable<TestNode> nodes)
    {
        foreach (var node in nodes)
        {
            var replicator = DistributedData.Get(node.System).Replicator;
            var answer = await replicator.Ask<IGetResponse>(Dsl.Get(ReplicatedAlertStore.Key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
            if (answer is GetSuccess found && found.Get(ReplicatedAlertStore.Key).Value.Book.Pending.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    private static int Index(TestCluster cluster, TestNode node) => cluster.Nodes.ToList().IndexOf(node);

    private static async Task WaitUntil(Func<bool> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A TCP port that counts the connections made to it (a tcp probe's runs).</summary>
    private sealed class ConnectionCounter : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentQueue<DateTime> accepted = new();

        public ConnectionCounter()
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = AcceptAsync();
        }

        public int Port { get; }

        public int Count => accepted.Count;

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                    accepted.Enqueue(DateTime.UtcNow);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
