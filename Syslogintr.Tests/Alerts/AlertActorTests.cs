using Akka.Actor;
using Akka.TestKit.Xunit2;
using Syslogintr.Alerts;
using Syslogintr.Alerts.Mail;
using Syslogintr.Ingest;

namespace Syslogintr.Tests.Alerts;

public sealed class AlertActorTests : TestKit, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory temp = new();
    private readonly ManualClock clock = new(T0);

    private AlertSettings Settings(TimeSpan? window = null, TimeSpan? repeat = null, int maxPerHour = 20, TimeSpan? resolveTimeout = null) =>
        new(window ?? TimeSpan.FromMilliseconds(200), repeat ?? TimeSpan.FromHours(4), maxPerHour, temp.File("alerts.json"), resolveTimeout ?? TimeSpan.Zero);

    private IActorRef Start(AlertSettings settings, IActorRef mailer) => Sys.ActorOf(AlertActor.Props(settings, clock, mailer, "testhost"));

    private AlertRaised Raised(string key, string source = "probe/test") => new(key, $"{key} is down", $"{key}: connection refused", Severity.Critical, source, clock.GetUtcNow());

    private AlertCleared Cleared(string key) => new(key, "test", clock.GetUtcNow());

    [Fact]
    public void A_key_that_stays_bad_is_mailed_once_and_its_recovery_once()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(), mailer);

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Raised("probe/web"));
        var down = mailer.ExpectMsg<MailRequested>();
        Assert.Equal("[syslogintr testhost] DOWN: probe/web is down", down.Subject);
        alerts.Tell(Raised("probe/web"));
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        alerts.Tell(Cleared("probe/web"));
        alerts.Tell(Cleared("probe/web"));
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/web is down", mailer.ExpectMsg<MailRequested>().Subject);
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Alerts_raised_within_the_group_window_go_out_in_one_mail()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.FromMilliseconds(500)), mailer);

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Raised("probe/named"));
        var mail = mailer.ExpectMsg<MailRequested>();
        Assert.Contains("2 down", mail.Subject);
        Assert.Contains("DOWN probe/web is down", mail.Body);
        Assert.Contains("DOWN probe/named is down", mail.Body);
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    [Fact]
    public void A_reminder_is_mailed_every_repeat_while_the_key_stays_bad()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromSeconds(1)), mailer);

        alerts.Tell(Raised("probe/named"));
        mailer.ExpectMsg<MailRequested>();
        clock.Advance(TimeSpan.FromMilliseconds(900));
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.StartsWith("[syslogintr testhost] STILL DOWN:", mailer.ExpectMsg<MailRequested>().Subject);
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("[syslogintr testhost] STILL DOWN:", mailer.ExpectMsg<MailRequested>().Subject);
    }

    [Fact]
    public void The_rate_limit_holds_mails_back_and_the_next_mail_lists_everything_held()
    {
        var mailer = CreateTestProbe();
        // repeat 1 s: the held mail looks again every 250 ms of real time.
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromSeconds(1), maxPerHour: 2), mailer);

        alerts.Tell(Raised("a"));
        mailer.ExpectMsg<MailRequested>();
        alerts.Tell(Raised("b"));
        mailer.ExpectMsg<MailRequested>();
        alerts.Tell(Raised("c"));
        alerts.Tell(Raised("d"));
        alerts.Tell(Cleared("a"));
        mailer.ExpectNoMsg(TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromMinutes(61));
        var summary = mailer.ExpectMsg<MailRequested>();
        Assert.Contains("DOWN c is down", summary.Body);
        Assert.Contains("DOWN d is down", summary.Body);
        Assert.Contains("RECOVERED a is down", summary.Body);
        Assert.Contains("held back by the rate limit (2 mails per hour)", summary.Body);
    }

    [Fact]
    public void A_rule_alert_not_raised_again_for_resolve_timeout_expires_and_a_probe_alert_does_not()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromHours(4), resolveTimeout: TimeSpan.FromSeconds(1)), mailer);
        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        alerts.Tell(Raised("probe/web"));
        Assert.Contains("2 down", mailer.ExpectMsg<MailRequested>().Subject);

        clock.Advance(TimeSpan.FromMilliseconds(800));
        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        clock.Advance(TimeSpan.FromMilliseconds(800));
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var expired = mailer.ExpectMsg<MailRequested>();
        Assert.Equal("[syslogintr testhost] EXPIRED: ospf is down", expired.Subject);
        Assert.Contains("not since", expired.Body);
        mailer.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void An_alert_cleared_before_any_mail_is_reported_once_as_flapped()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.FromMilliseconds(500)), mailer);

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Cleared("probe/web"));
        Assert.Equal("[syslogintr testhost] FLAPPED: probe/web is down", mailer.ExpectMsg<MailRequested>().Subject);
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void After_a_restart_active_alerts_are_not_mailed_again_and_their_recovery_is()
    {
        var mailer = CreateTestProbe();
        var first = Start(Settings(window: TimeSpan.Zero), mailer);
        first.Tell(Raised("probe/web"));
        first.Tell(Raised("probe/named"));
        Assert.Contains("2 down", mailer.ExpectMsg<MailRequested>().Subject);
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);

        var second = Start(Settings(window: TimeSpan.Zero), mailer);
        second.Tell(Raised("probe/web"));
        mailer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        second.Tell(Cleared("probe/named"));
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/named is down", mailer.ExpectMsg<MailRequested>().Subject);
    }

    [Fact]
    public void A_notice_not_yet_mailed_at_a_crash_is_mailed_after_the_restart()
    {
        var mailer = CreateTestProbe();
        var first = Start(Settings(window: TimeSpan.FromHours(1)), mailer);
        first.Tell(Raised("probe/web"));
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);

        Start(Settings(window: TimeSpan.Zero), mailer);
        Assert.Equal("[syslogintr testhost] DOWN: probe/web is down", mailer.ExpectMsg<MailRequested>().Subject);
    }

    [Fact]
    public void A_corrupt_state_file_is_moved_aside_and_alerting_goes_on()
    {
        File.WriteAllText(temp.File("alerts.json"), "{ not json");
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero), mailer);
        alerts.Tell(Raised("probe/web"));
        mailer.ExpectMsg<MailRequested>();
        Assert.True(File.Exists(temp.File("alerts.json.corrupt")));
    }

    [Fact]
    public void Repeated_raises_are_saved_together_within_a_second_and_a_mail_at_once()
    {
        var renames = 0;
        using var watcher = new FileSystemWatcher(temp.Path) { EnableRaisingEvents = true };
        watcher.Renamed += (_, e) =>
        {
            if (e.Name == "alerts.json")
            {
                Interlocked.Increment(ref renames);
            }
        };
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero), mailer);

        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        mailer.ExpectMsg<MailRequested>();
        // Saved when the mail left, not a second later: a crash now would not mail it again.
        AwaitCondition(() => File.Exists(temp.File("alerts.json")) && File.ReadAllText(temp.File("alerts.json")).Contains("\"NotifiedAt\": \"2026"), TimeSpan.FromMilliseconds(500));
        for (var i = 1; i <= 500; i++)
        {
            alerts.Tell(new AlertRaised("ospf", "ospf is down", $"raise {i}", Severity.Critical, "ospf-rule", clock.GetUtcNow()));
        }

        AwaitCondition(() => File.ReadAllText(temp.File("alerts.json")).Contains("raise 500"), TimeSpan.FromSeconds(3));
        Thread.Sleep(300);
        Assert.InRange(Volatile.Read(ref renames), 1, 3);
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
