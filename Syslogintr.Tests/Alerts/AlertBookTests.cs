using System.Text.Json;
using Syslogintr.Alerts;
using Syslogintr.Ingest;

namespace Syslogintr.Tests.Alerts;

/// <summary>The alert book's rules, decided without an actor system or a clock: time is an argument.</summary>
public sealed class AlertBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private static AlertBook Book(int maxPerHour = 20, TimeSpan? resolveTimeout = null) =>
        new(new AlertSettings(Window, TimeSpan.FromHours(4), maxPerHour, "unused.json", resolveTimeout ?? TimeSpan.Zero), "testhost", AlertSnapshot.Empty);

    private static AlertRaised Raised(string key, DateTimeOffset at, string source = "probe/test") =>
        new(key, $"{key} is down", $"{key}: connection refused", Severity.Critical, source, at);

    private static AlertCleared Cleared(string key, DateTimeOffset at) => new(key, "test", at);

    [Fact]
    public void A_key_raised_again_while_bad_is_one_alert_and_one_mail()
    {
        var book = Book();
        Assert.Equal(Window, book.Raise(Raised("probe/web", T0)).FlushAfter);
        var again = book.Raise(Raised("probe/web", T0.AddSeconds(1)));
        Assert.True(again.Changed);
        Assert.Null(again.FlushAfter);

        Assert.Equal("[syslogintr testhost] DOWN: probe/web is down", book.Flush(T0 + Window).Mail?.Subject);
        Assert.Null(book.Raise(Raised("probe/web", T0.AddMinutes(1))).FlushAfter);
        Assert.Null(book.Flush(T0.AddMinutes(2)).Mail);
        Assert.Equal(1, book.ActiveCount);
    }

    [Fact]
    public void Notices_within_the_group_window_go_out_in_one_mail()
    {
        var book = Book();
        book.Raise(Raised("probe/web", T0));
        book.Raise(Raised("probe/named", T0.AddSeconds(10)));

        var mail = book.Flush(T0 + Window).Mail!;
        Assert.Contains("2 down", mail.Subject);
        Assert.Contains("DOWN probe/web is down", mail.Body);
        Assert.Contains("DOWN probe/named is down", mail.Body);
        Assert.Equal(0, book.PendingCount);
    }

    [Fact]
    public void A_reminder_is_due_every_repeat_after_the_last_mail_and_not_before()
    {
        var book = Book();
        book.Raise(Raised("probe/named", T0));
        book.Flush(T0);

        Assert.False(book.Tick(T0.AddHours(4).AddSeconds(-1)).Changed);
        Assert.Equal(Window, book.Tick(T0.AddHours(4)).FlushAfter);
        Assert.False(book.Tick(T0.AddHours(4).AddSeconds(1)).Changed);
        Assert.StartsWith("[syslogintr testhost] STILL DOWN:", book.Flush(T0.AddHours(4) + Window).Mail!.Subject);
        Assert.False(book.Tick(T0.AddHours(8)).Changed);
        Assert.True(book.Tick(T0.AddHours(8) + Window).Changed);
    }

    [Fact]
    public void The_rate_limit_holds_notices_back_once_and_the_next_mail_lists_them_all()
    {
        var book = Book(maxPerHour: 2);
        book.Raise(Raised("a", T0));
        Assert.NotNull(book.Flush(T0).Mail);
        book.Raise(Raised("b", T0.AddMinutes(1)));
        Assert.NotNull(book.Flush(T0.AddMinutes(1)).Mail);
        book.Raise(Raised("c", T0.AddMinutes(2)));
        book.Raise(Raised("d", T0.AddMinutes(2)));
        book.Clear(Cleared("a", T0.AddMinutes(2)));

        var held = book.Flush(T0.AddMinutes(3));
        Assert.Null(held.Mail);
        Assert.Equal(new AlertsHeldBack(3, TimeSpan.FromMinutes(57)), held.HeldBack);
        Assert.Equal(TimeSpan.FromMinutes(1), held.FlushAfter);
        var stillHeld = book.Flush(T0.AddMinutes(4));
        Assert.Null(stillHeld.HeldBack);
        Assert.False(stillHeld.Changed);

        var summary = book.Flush(T0.AddMinutes(60)).Mail!;
        Assert.Contains("DOWN c is down", summary.Body);
        Assert.Contains("DOWN d is down", summary.Body);
        Assert.Contains("RECOVERED a is down", summary.Body);
        Assert.Contains("held back by the rate limit (2 mails per hour)", summary.Body);
    }

    [Fact]
    public void A_rule_alert_expires_after_resolve_timeout_without_a_raise_and_a_probe_alert_never()
    {
        var book = Book(resolveTimeout: TimeSpan.FromHours(1));
        book.Raise(Raised("ospf", T0, source: "ospf-rule"));
        book.Raise(Raised("probe/web", T0));
        book.Flush(T0);
        book.Raise(Raised("ospf", T0.AddMinutes(30), source: "ospf-rule"));

        Assert.False(book.Tick(T0.AddMinutes(89)).Changed);
        Assert.True(book.Tick(T0.AddMinutes(90)).Changed);
        var expired = book.Flush(T0.AddMinutes(91)).Mail!;
        Assert.Equal("[syslogintr testhost] EXPIRED: ospf is down", expired.Subject);
        Assert.Contains("last raised 2026-11-29 03:30:00 +00:00, not since", expired.Body);
        Assert.Equal(1, book.ActiveCount);
    }

    [Fact]
    public void A_cleared_alert_recovers_once_flaps_before_its_mail_and_a_quick_return_cancels_the_recovery()
    {
        var book = Book();
        book.Raise(Raised("probe/web", T0));
        book.Flush(T0);
        Assert.True(book.Clear(Cleared("probe/web", T0.AddSeconds(75))).Changed);
        Assert.False(book.Clear(Cleared("probe/web", T0.AddSeconds(75))).Changed);
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/web (down for 1m 15s)", book.Flush(T0.AddMinutes(2)).Mail!.Subject);

        book.Raise(Raised("probe/named", T0.AddMinutes(3)));
        book.Clear(Cleared("probe/named", T0.AddMinutes(3)));
        Assert.Equal("[syslogintr testhost] FLAPPED: probe/named is down", book.Flush(T0.AddMinutes(4)).Mail!.Subject);

        book.Raise(Raised("probe/dns", T0.AddMinutes(5)));
        book.Flush(T0.AddMinutes(5));
        book.Clear(Cleared("probe/dns", T0.AddMinutes(6)));
        book.Raise(Raised("probe/dns", T0.AddMinutes(6)));
        Assert.Null(book.Flush(T0.AddMinutes(7)).Mail);
        Assert.Equal(1, book.ActiveCount);
    }

    [Theory]
    [InlineData(0.4, "0s")]
    [InlineData(45, "45s")]
    [InlineData(60, "1m")]
    [InlineData(75, "1m 15s")]
    [InlineData(2 * 3600 + 3 * 60 + 59, "2h 3m")]
    [InlineData(3600, "1h")]
    [InlineData(28 * 3600 + 125, "1d 4h")]
    [InlineData(-3, "0s")]
    public void A_recovery_says_how_long_it_lasted_in_its_two_largest_units(double seconds, string expected) =>
        Assert.Equal(expected, AlertMail.Lasting(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void A_book_restored_from_its_snapshot_mails_nothing_again_and_two_books_fed_alike_decide_alike()
    {
        var first = Book();
        var second = Book();
        foreach (var book in new[] { first, second })
        {
            book.Raise(Raised("probe/web", T0));
            book.Raise(Raised("probe/named", T0));
            book.Flush(T0);
            book.Clear(Cleared("probe/named", T0.AddMinutes(1)));
        }

        Assert.Equal(JsonSerializer.Serialize(first.Snapshot()), JsonSerializer.Serialize(second.Snapshot()));
        var restored = new AlertBook(new AlertSettings(Window, TimeSpan.FromHours(4), 20, "unused.json", TimeSpan.Zero), "testhost", first.Snapshot());
        Assert.Equal(Window, restored.Started().FlushAfter);
        Assert.Null(restored.Raise(Raised("probe/web", T0.AddMinutes(1))).FlushAfter);
        Assert.Equal("[syslogintr testhost] RECOVERED: probe/named (down for 1m)", restored.Flush(T0.AddMinutes(2)).Mail!.Subject);
    }
}
