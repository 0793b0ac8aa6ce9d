using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Syslogintr.Alerts;
using Syslogintr.Alerts.Mail;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Alerts;

/// <summary>
/// On virtual time: the test moves the book's clock and Akka's scheduler together, so the grouping window, reminders,
/// rate limit, resolve-timeout and batched saves are exact to the millisecond however busy the machine, and "no mail"
/// is checked after a round trip through the actor's mailbox instead of by waiting.
/// </summary>
public sealed class AlertActorTests() : TestKit(VirtualTime.Config), IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private readonly TempDirectory temp = new();
    private readonly ManualClock clock = new(T0);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private AlertSettings Settings(TimeSpan? window = null, TimeSpan? repeat = null, int maxPerHour = 20, TimeSpan? resolveTimeout = null) =>
        new(window ?? TimeSpan.FromMilliseconds(200), repeat ?? TimeSpan.FromHours(4), maxPerHour, temp.File("alerts.json"), resolveTimeout ?? TimeSpan.Zero);

    private IActorRef Start(AlertSettings settings, IActorRef mailer) => Sys.ActorOf(AlertActor.Props(settings, clock, mailer, "testhost", new AlertCounters()));

    private AlertRaised Raised(string key, string source = "probe/test") => new(key, $"{key} is down", $"{key}: connection refused", Severity.Critical, source, clock.GetUtcNow());

    private AlertCleared Cleared(string key) => new(key, "test", clock.GetUtcNow());

    /// <summary>One round trip through the actor's mailbox: it has handled everything sent to it, so the timers it started are scheduled and the mails it decided on are with the mailer.</summary>
    private void Settled(IActorRef alerts)
    {
        alerts.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
    }

    /// <summary>
    /// Virtual time moves on by <paramref name="by"/>, in steps of at most <paramref name="step"/> (the reminder check
    /// is periodic: a single long step would fire it once, late). Timers due fire, then those they set to zero delay.
    /// </summary>
    private void Advance(IActorRef alerts, TimeSpan by, TimeSpan? step = null)
    {
        var left = by;
        do
        {
            var now = step is { } s && s < left ? s : left;
            Settled(alerts);
            clock.Advance(now);
            Scheduler.Advance(now);
            Settled(alerts);
            Scheduler.Advance(TimeSpan.Zero);
            Settled(alerts);
            left -= now;
        }
        while (left > TimeSpan.Zero);
    }

    /// <summary>Nothing mailed so far: sound without waiting, because <see cref="Settled"/> ran after the last input.</summary>
    private void NoMail(IActorRef alerts, TestProbe mailer)
    {
        Settled(alerts);
        mailer.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Its_counters_show_alerts_active_mails_sent_and_what_was_held_back_and_no_active_alert_once_it_stopped()
    {
        var mailer = CreateTestProbe();
        var counters = new AlertCounters();
        var window = TimeSpan.FromMilliseconds(200);
        var alerts = Sys.ActorOf(AlertActor.Props(Settings(window: window, maxPerHour: 1), clock, mailer, "testhost", counters));

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Raised("probe/web"));
        Advance(alerts, window);
        mailer.ExpectMsg<MailRequested>();
        alerts.Tell(Raised("probe/db"));
        Advance(alerts, window);
        NoMail(alerts, mailer);
        Assert.Equal((2, 1, 1, 1), (counters.Active, counters.Sent, counters.Duplicates, counters.RateLimited));

        // In a cluster the owner moves away: the node it left has no active alerts to report.
        Watch(alerts);
        Sys.Stop(alerts);
        ExpectTerminated(alerts);
        Assert.Equal(0, counters.Active);
    }

    [Fact]
    public void A_key_that_stays_bad_is_mailed_once_and_its_recovery_once()
    {
        var mailer = CreateTestProbe();
        var window = TimeSpan.FromMilliseconds(200);
        var alerts = Start(Settings(window: window), mailer);

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Raised("probe/web"));
        Advance(alerts, window);
        var down = mailer.ExpectMsg<MailRequested>();
        Assert.Equal("[syslogintr testhost] DOWN: probe/web is down", down.Subject);
        alerts.Tell(Raised("probe/web"));
        Advance(alerts, window * 2);
        NoMail(alerts, mailer);

        alerts.Tell(Cleared("probe/web"));
        alerts.Tell(Cleared("probe/web"));
        Advance(alerts, window);
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/web (down for 0s)", mailer.ExpectMsg<MailRequested>().Subject);
        Advance(alerts, window * 2);
        NoMail(alerts, mailer);
    }

    [Fact]
    public void Alerts_raised_within_the_group_window_go_out_in_one_mail()
    {
        var mailer = CreateTestProbe();
        var window = TimeSpan.FromMilliseconds(500);
        var alerts = Start(Settings(window: window), mailer);

        alerts.Tell(Raised("probe/web"));
        Advance(alerts, TimeSpan.FromMilliseconds(300));
        alerts.Tell(Raised("probe/named"));
        // The window counts from the first pending alert, not the last.
        Advance(alerts, window - TimeSpan.FromMilliseconds(300) - Tick);
        NoMail(alerts, mailer);
        Advance(alerts, Tick);
        var mail = mailer.ExpectMsg<MailRequested>();
        Assert.Contains("2 down", mail.Subject);
        Assert.Contains("DOWN probe/web is down", mail.Body);
        Assert.Contains("DOWN probe/named is down", mail.Body);
        Advance(alerts, window * 2);
        NoMail(alerts, mailer);
    }

    [Fact]
    public void A_reminder_is_mailed_every_repeat_while_the_key_stays_bad()
    {
        var mailer = CreateTestProbe();
        var repeat = TimeSpan.FromSeconds(1);
        var check = repeat / 4; // the book checks reminders every quarter of repeat
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: repeat), mailer);

        alerts.Tell(Raised("probe/named"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        for (var reminder = 1; reminder <= 2; reminder++)
        {
            Advance(alerts, repeat - Tick, check);
            NoMail(alerts, mailer);
            Advance(alerts, Tick);
            Assert.StartsWith("[syslogintr testhost] STILL DOWN:", mailer.ExpectMsg<MailRequested>().Subject);
        }
    }

    [Fact]
    public void Settings_changed_by_a_reload_keep_the_active_alert_and_apply_to_its_next_reminder()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromHours(4)), mailer);
        alerts.Tell(Raised("probe/named"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        var repeat = TimeSpan.FromSeconds(1);

        alerts.Tell(new AlertSettingsChanged(Settings(window: TimeSpan.Zero, repeat: repeat)));

        // Still active (raising it again mails nothing); reminded after the new repeat, not the old one.
        alerts.Tell(Raised("probe/named"));
        Advance(alerts, repeat - Tick, repeat / 4);
        NoMail(alerts, mailer);
        Advance(alerts, Tick);
        Assert.StartsWith("[syslogintr testhost] STILL DOWN:", mailer.ExpectMsg<MailRequested>().Subject);
    }

    [Fact]
    public void The_rate_limit_holds_mails_back_and_the_next_mail_lists_everything_held()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromSeconds(1), maxPerHour: 2), mailer);

        alerts.Tell(Raised("a"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        alerts.Tell(Raised("b"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        alerts.Tell(Raised("c"));
        alerts.Tell(Raised("d"));
        alerts.Tell(Cleared("a"));
        Advance(alerts, TimeSpan.Zero);
        NoMail(alerts, mailer);

        // Both mails left at T0: the third is allowed an hour later, not a tick sooner.
        Advance(alerts, TimeSpan.FromHours(1) - Tick);
        NoMail(alerts, mailer);
        Advance(alerts, Tick);
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
        var timeout = TimeSpan.FromSeconds(1);
        var check = timeout / 4; // the book checks expiry every quarter of resolve-timeout
        var alerts = Start(Settings(window: TimeSpan.Zero, repeat: TimeSpan.FromHours(4), resolveTimeout: timeout), mailer);
        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        alerts.Tell(Raised("probe/web"));
        Advance(alerts, TimeSpan.Zero);
        Assert.Contains("2 down", mailer.ExpectMsg<MailRequested>().Subject);

        // Raised again at a check, so it is due exactly at a later check: timeout after this raise, not the first.
        Advance(alerts, check * 3, check);
        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        Advance(alerts, timeout - Tick, check);
        NoMail(alerts, mailer);
        Advance(alerts, Tick);
        var expired = mailer.ExpectMsg<MailRequested>();
        Assert.Equal("[syslogintr testhost] EXPIRED: ospf is down", expired.Subject);
        Assert.Contains("not since", expired.Body);
        Advance(alerts, timeout * 5, check);
        NoMail(alerts, mailer);
    }

    [Fact]
    public void An_alert_cleared_before_any_mail_is_reported_once_as_flapped()
    {
        var mailer = CreateTestProbe();
        var window = TimeSpan.FromMilliseconds(500);
        var alerts = Start(Settings(window: window), mailer);

        alerts.Tell(Raised("probe/web"));
        alerts.Tell(Cleared("probe/web"));
        Advance(alerts, window - Tick);
        NoMail(alerts, mailer);
        Advance(alerts, Tick);
        Assert.Equal("[syslogintr testhost] FLAPPED: probe/web is down", mailer.ExpectMsg<MailRequested>().Subject);
        Advance(alerts, window * 2);
        NoMail(alerts, mailer);
    }

    [Fact]
    public void After_a_restart_active_alerts_are_not_mailed_again_and_their_recovery_is()
    {
        var mailer = CreateTestProbe();
        var first = Start(Settings(window: TimeSpan.Zero), mailer);
        first.Tell(Raised("probe/web"));
        first.Tell(Raised("probe/named"));
        Advance(first, TimeSpan.Zero);
        Assert.Contains("2 down", mailer.ExpectMsg<MailRequested>().Subject);
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);

        var second = Start(Settings(window: TimeSpan.Zero), mailer);
        second.Tell(Raised("probe/web"));
        Advance(second, TimeSpan.FromSeconds(1));
        NoMail(second, mailer);
        second.Tell(Cleared("probe/named"));
        Advance(second, TimeSpan.Zero);
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/named (down for 1s)", mailer.ExpectMsg<MailRequested>().Subject);
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

        var second = Start(Settings(window: TimeSpan.Zero), mailer);
        Advance(second, TimeSpan.Zero);
        Assert.Equal("[syslogintr testhost] DOWN: probe/web is down", mailer.ExpectMsg<MailRequested>().Subject);
    }

    [Fact]
    public void A_corrupt_state_file_is_moved_aside_and_alerting_goes_on()
    {
        File.WriteAllText(temp.File("alerts.json"), "{ not json");
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero), mailer);
        alerts.Tell(Raised("probe/web"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        Assert.True(File.Exists(temp.File("alerts.json.corrupt")));
    }

    [Fact]
    public void Repeated_raises_are_saved_together_within_a_second_and_a_mail_at_once()
    {
        var mailer = CreateTestProbe();
        var alerts = Start(Settings(window: TimeSpan.Zero), mailer);
        string Saved() => File.ReadAllText(temp.File("alerts.json"));

        alerts.Tell(Raised("ospf", source: "ospf-rule"));
        Advance(alerts, TimeSpan.Zero);
        mailer.ExpectMsg<MailRequested>();
        // Saved when the mail left, not a second later: a crash now would not mail it again.
        var atMail = Saved();
        Assert.Contains("\"NotifiedAt\": \"2026", atMail);
        for (var i = 1; i <= 500; i++)
        {
            alerts.Tell(new AlertRaised("ospf", "ospf is down", $"raise {i}", Severity.Critical, "ospf-rule", clock.GetUtcNow()));
        }

        // Not one save per raise: the file is as the mail left it until the save interval is over, then holds the last.
        Advance(alerts, AlertActor.SaveInterval - Tick);
        Assert.Equal(atMail, Saved());
        Advance(alerts, Tick);
        Assert.Contains("raise 500", Saved());
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
