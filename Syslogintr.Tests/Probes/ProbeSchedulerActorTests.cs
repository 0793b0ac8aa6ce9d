using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Syslogintr.Alerts;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Probes;

/// <summary>
/// Schedules on virtual time: the test moves Akka's scheduler and the node's clock together, so every run and
/// every gap between runs is exact, however busy the machine. The probes themselves (a process, a file) are real.
/// </summary>
public sealed class ProbeSchedulerActorTests : TestKit, IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private readonly TempDirectory temp = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));
    private readonly List<SyslogMessage> logged = [];
    private readonly NodeServices node;
    private IActorRef? scheduler;

    public ProbeSchedulerActorTests()
        : base(VirtualTime.Config)
    {
        node = new(new IngestQueue(10_000), new NodeMetrics(), clock, "testhost");
    }

    private static IReadOnlyList<ProbeSettings> Probes(string hocon) => ProbeSettings.AllFrom(ConfigurationFactory.ParseString(hocon));

    /// <summary>Starts the scheduler and fires what it set to run at start (zero delay: due now).</summary>
    private void Start(string hocon, IActorRef alerts)
    {
        scheduler = Sys.ActorOf(ProbeSchedulerActor.Props(Probes(hocon), node, ActionTargets.None, alerts, "akka.actor.default-dispatcher"));
        Settled();
        Advance(TimeSpan.Zero);
    }

    private List<SyslogMessage> Runs(string probe)
    {
        while (node.Queue.Reader.TryRead(out var m))
        {
            logged.Add(m);
        }

        return logged.Where(m => m.AppName == "check/" + probe).ToList();
    }

    /// <summary>Virtual time moves on; the timers due by then fire.</summary>
    private void Advance(TimeSpan by)
    {
        clock.Advance(by);
        ((TestScheduler)Sys.Scheduler).Advance(by);
    }

    /// <summary>Waits (in real time) until <paramref name="probe"/> has logged <paramref name="count"/> runs.</summary>
    private void AwaitRuns(string probe, int count) =>
        AwaitCondition(() => Runs(probe).Count >= count, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5));

    /// <summary>One round trip through the scheduler's mailbox: it has started, and handled every result and timer sent to it.</summary>
    private void Settled()
    {
        scheduler!.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
    }

    [Fact]
    public void A_hung_probe_is_killed_at_its_timeout_and_never_delays_another_probe()
    {
        var pid = temp.File("self.pid");
        File.WriteAllText(pid, $"{Environment.ProcessId}\n");
        var alerts = CreateTestProbe();
        Start(
            $$"""
            syslogintr.probes {
              hang { kind = exec, argv = ["/bin/sleep", "30"], every = 1500ms, timeout = 1s, jitter = 0s }
              self { kind = pidfile, path = "{{pid}}", every = 200ms, timeout = 100ms, jitter = 0s }
            }
            """,
            alerts);

        // Three seconds, 200 ms at a time: self must report at every step while hang's runs sit on their process.
        AwaitRuns("self", 1);
        for (var step = 1; step <= 15; step++)
        {
            Advance(TimeSpan.FromMilliseconds(200));
            AwaitRuns("self", step + 1);
        }

        Settled();
        var self = Runs("self");
        var hang = Runs("hang");
        Assert.Equal(16, self.Count);
        Assert.All(self.Zip(self.Skip(1), (a, b) => b.Timestamp!.Value - a.Timestamp!.Value), gap => Assert.Equal(TimeSpan.FromMilliseconds(200), gap));
        Assert.All(self, m => Assert.Equal(Severity.Notice, m.Severity));
        Assert.All(self, m => Assert.Equal(Facility.Daemon, m.Facility));
        Assert.Equal($"still running (pid {Environment.ProcessId})", self[0].Message);
        Assert.InRange(hang.Count, 1, 3);
        Assert.All(hang, m => Assert.Equal(Severity.Critical, m.Severity));
        Assert.Equal("hang: no answer within 1 s, run cancelled", hang[0].Message);
        Assert.All(logged, m => Assert.Same(Origin.Internal, m.Origin));

        // Unknown -> up clears (a no-op unless a restart left the alert active); up/down is reported once, not per run.
        var seen = alerts.ReceiveN(2);
        alerts.ExpectNoMsg(TimeSpan.Zero);
        Assert.Single(seen.OfType<AlertRaised>(), r => r.Key == "probe/hang" && r.Severity == Severity.Critical);
        Assert.Single(seen.OfType<AlertCleared>(), c => c.Key == "probe/self");
    }

    [Fact]
    public void A_state_change_raises_then_clears_the_alert_and_logs_each_run()
    {
        var pid = temp.File("named.pid");
        var alerts = CreateTestProbe();
        Start($$"""syslogintr.probes.named { kind = pidfile, path = "{{pid}}", every = 200ms, timeout = 100ms, jitter = 0s }""", alerts);

        AwaitRuns("named", 1);
        var raised = alerts.ExpectMsg<AlertRaised>();
        Assert.Equal("probe/named", raised.Key);
        Assert.Equal("named is down", raised.Subject);
        Assert.Contains("missing (crash?)", raised.Body);

        // A tick short of the interval the probe does not run; at the interval it does, still down: no second alert.
        Advance(TimeSpan.FromMilliseconds(200) - Tick);
        Settled();
        Thread.Sleep(100); // a run, had one started, would have logged within this (real) wait
        Assert.Single(Runs("named"));
        Advance(Tick);
        AwaitRuns("named", 2);
        Advance(TimeSpan.FromMilliseconds(200));
        AwaitRuns("named", 3);
        Settled();
        alerts.ExpectNoMsg(TimeSpan.Zero);

        File.WriteAllText(pid, $"{Environment.ProcessId}\n");
        Advance(TimeSpan.FromMilliseconds(200));
        AwaitRuns("named", 4);
        Assert.Equal("probe/named", alerts.ExpectMsg<AlertCleared>().Key);
        Advance(TimeSpan.FromMilliseconds(200));
        AwaitRuns("named", 5);
        Settled();
        alerts.ExpectNoMsg(TimeSpan.Zero);

        var runs = Runs("named");
        Assert.Equal(logged.Count, runs.Count);
        Assert.Equal([Severity.Critical, Severity.Critical, Severity.Critical, Severity.Notice, Severity.Notice], runs.Select(m => m.Severity));
        Assert.Equal(logged.Count, node.Metrics.Listener("probes").Received);
    }

    [Fact]
    public void A_reload_keeps_an_unchanged_probes_schedule_runs_an_added_or_changed_one_as_at_start_and_forgets_a_removed_one()
    {
        var pid = temp.File("self.pid");
        File.WriteAllText(pid, $"{Environment.ProcessId}\n");
        string PidFile(string name) => $$"""{{name}} { kind = pidfile, path = "{{pid}}", every = 1s, timeout = 100ms, jitter = 0s }""";
        // Its first run sits on its process: virtual time never reaches its timeout.
        const string Hung = """hang { kind = exec, argv = ["/bin/sleep", "30"], every = 20s, timeout = 10s, jitter = 0s }""";
        Start($"syslogintr.probes {{\n{PidFile("keep")}\n{PidFile("gone")}\n{Hung}\n}}", CreateTestProbe());
        AwaitRuns("keep", 1);
        AwaitRuns("gone", 1);
        Advance(TimeSpan.FromMilliseconds(500));

        // hang becomes a pidfile probe: its old run is cancelled, or it would hold the new one back as still going.
        scheduler!.Tell(new ProbesChanged(Probes($"syslogintr.probes {{\n{PidFile("keep")}\n{PidFile("hang")}\n{PidFile("added")}\n}}")));
        Settled();
        Advance(TimeSpan.Zero);
        AwaitRuns("added", 1);
        AwaitRuns("hang", 1);
        Assert.Equal(Severity.Notice, Assert.Single(Runs("hang")).Severity);
        Assert.Single(Runs("keep"));

        // keep runs on its own schedule, 1 s after its first run; gone never again.
        Advance(TimeSpan.FromMilliseconds(500));
        AwaitRuns("keep", 2);
        AwaitRuns("added", 1);
        Settled();
        Assert.Single(Runs("gone"));
        scheduler!.Tell(GetProbeStates.Instance, TestActor);
        Assert.Equal(["added", "hang", "keep"], ExpectMsg<ProbeStates>().Probes.Select(p => p.Probe));
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

    [Theory]
    [InlineData("every = 3s", 1500)]
    [InlineData("every = 20s", 10000)]
    [InlineData("every = 1h", 10000)]
    [InlineData("every = 3s, timeout = 2s", 2000)]
    public void A_probe_without_a_timeout_gets_half_its_interval_at_most_10s(string keys, int timeoutMs)
    {
        var probe = Assert.Single(Probes($$"""syslogintr.probes.x { kind = tcp, port = 80, {{keys}} }"""));
        Assert.Equal(TimeSpan.FromMilliseconds(timeoutMs), probe.Timeout);
    }

    [Theory]
    [InlineData("syslogintr.probes.x { kind = tcp, port = 80, every = 3s, timeout = 3s }")]
    [InlineData("syslogintr.probe-defaults.timeout = 5s\nsyslogintr.probes.x { kind = tcp, port = 80, every = 3s }")]
    public void Only_a_timeout_the_user_wrote_can_conflict_with_every(string hocon)
    {
        var error = Assert.Throws<ConfigurationException>(() => Probes(hocon));
        Assert.Contains("'timeout'", error.Message, StringComparison.Ordinal);
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
