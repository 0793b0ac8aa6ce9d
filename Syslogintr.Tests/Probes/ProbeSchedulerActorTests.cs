using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Syslogintr.Alerts;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Tests.Alerts;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Probes;

/// <summary>Runs alone: it bounds the gaps between runs, which a thread pool starved by parallel tests would stretch.</summary>
[Collection(SerialCollection.Name)]
public sealed class ProbeSchedulerActorTests : TestKit, IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly NodeServices node = new(new IngestQueue(10_000), new NodeMetrics(), TimeProvider.System, "testhost");

    private static IReadOnlyList<ProbeSettings> Probes(string hocon) => ProbeSettings.AllFrom(ConfigurationFactory.ParseString(hocon));

    private List<SyslogMessage> Logged()
    {
        var messages = new List<SyslogMessage>();
        while (node.Queue.Reader.TryRead(out var m))
        {
            messages.Add(m);
        }

        return messages;
    }

    [Fact]
    public void A_hung_probe_is_killed_at_its_timeout_and_never_delays_another_probe()
    {
        var pid = temp.File("self.pid");
        File.WriteAllText(pid, $"{Environment.ProcessId}\n");
        var alerts = CreateTestProbe();
        Sys.ActorOf(ProbeSchedulerActor.Props(
            Probes($$"""
                syslogintr.probes {
                  hang { kind = exec, argv = ["/bin/sleep", "30"], every = 1500ms, timeout = 1s, jitter = 0s }
                  self { kind = pidfile, path = "{{pid}}", every = 200ms, timeout = 100ms, jitter = 0s }
                }
                """),
            node,
            ActionTargets.None,
            alerts,
            "akka.actor.default-dispatcher"));

        Thread.Sleep(TimeSpan.FromSeconds(3));
        var logged = Logged();
        var self = logged.Where(m => m.AppName == "check/self").ToList();
        var hang = logged.Where(m => m.AppName == "check/hang").ToList();

        // self runs every 0.2 s throughout; had a hung run held it up, there would be a gap of a second.
        Assert.True(self.Count >= 8, $"only {self.Count} runs of self");
        var longestGap = self.Zip(self.Skip(1), (a, b) => b.Timestamp!.Value - a.Timestamp!.Value).Max();
        Assert.True(longestGap < TimeSpan.FromMilliseconds(800), $"self was held up {longestGap}");
        Assert.All(self, m => Assert.Equal(Severity.Notice, m.Severity));
        Assert.All(self, m => Assert.Equal(Facility.Daemon, m.Facility));
        Assert.Equal($"still running (pid {Environment.ProcessId})", self[0].Message);
        Assert.InRange(hang.Count, 1, 3);
        Assert.All(hang, m => Assert.Equal(Severity.Critical, m.Severity));
        Assert.Equal("hang: no answer within 1 s, run cancelled", hang[0].Message);
        Assert.All(logged, m => Assert.Same(Origin.Internal, m.Origin));

        // Unknown -> up clears (a no-op unless a restart left the alert active); up/down is reported once, not per run.
        var seen = new List<object>();
        alerts.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m).ToList().ForEach(seen.Add);
        Assert.Single(seen.OfType<AlertRaised>(), r => r.Key == "probe/hang" && r.Severity == Severity.Critical);
        Assert.Single(seen.OfType<AlertCleared>(), c => c.Key == "probe/self");
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void A_state_change_raises_then_clears_the_alert_and_logs_each_run()
    {
        var pid = temp.File("named.pid");
        var alerts = CreateTestProbe();
        Sys.ActorOf(ProbeSchedulerActor.Props(
            Probes($$"""syslogintr.probes.named { kind = pidfile, path = "{{pid}}", every = 200ms, timeout = 100ms, jitter = 0s }"""),
            node,
            ActionTargets.None,
            alerts,
            "akka.actor.default-dispatcher"));

        var raised = alerts.ExpectMsg<AlertRaised>();
        Assert.Equal("probe/named", raised.Key);
        Assert.Equal("named is down", raised.Subject);
        Assert.Contains("missing (crash?)", raised.Body);
        alerts.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        File.WriteAllText(pid, $"{Environment.ProcessId}\n");
        Assert.Equal("probe/named", alerts.ExpectMsg<AlertCleared>().Key);
        alerts.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        var logged = Logged();
        Assert.All(logged, m => Assert.Equal("check/named", m.AppName));
        Assert.Contains(logged, m => m.Severity == Severity.Critical);
        Assert.Contains(logged, m => m.Severity == Severity.Notice);
        Assert.Equal(logged.Count, node.Metrics.Listener("probes").Received);
    }

    [Fact]
    public void Settings_refuse_a_password_in_the_file_and_an_unknown_kind()
    {
        Assert.Throws<ConfigurationException>(() => Probes("""syslogintr.probes.web { kind = http-status, url = "http://127.0.0.1/", user = u, password = p }"""));
        Assert.Throws<ConfigurationException>(() => Probes("""syslogintr.probes.x { kind = ping }"""));
        Assert.Throws<ConfigurationException>(() => Probes("""syslogintr.probes.x { kind = tcp, port = 80, every = 1s, timeout = 5s }"""));
        var web = Assert.Single(Probes("""syslogintr.probes.web { kind = http-status, url = "http://127.0.0.1/server-status?auto" }"""));
        Assert.Equal(("check/httpd", TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), true), (web.Program, web.Every, web.Timeout, web.RunAtStart));
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
