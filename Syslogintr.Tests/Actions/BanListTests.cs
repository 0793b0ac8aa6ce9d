using Akka.Configuration;
using Syslogintr.Actions;

namespace Syslogintr.Tests.Actions;

/// <summary>The ban list's rules, decided without an actor system or a clock: time is an argument.</summary>
public sealed class BanListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

    private static BanList List(int maxBans = 10) => new(BanSettings.From(ConfigurationFactory.ParseString(
        $"syslogintr.ban {{ backend = none, max-bans = {maxBans}, max-duration = 1h, never-ban = [\"10.0.0.0/8\", \"::1\"] }}")));

    private static BanRequested Request(string address, TimeSpan duration) => new(address, duration, "5 failures", "sshblock");

    [Theory]
    [InlineData("1.2.3.4 -j ACCEPT", "not an IPv4 or IPv6 address or network")]
    [InlineData("10.1.2.3", "inside never-ban network 10.0.0.0/8")]
    [InlineData("10.0.0.0/7", "inside never-ban network 10.0.0.0/8")]
    [InlineData("::1", "inside never-ban network ::1/128")]
    public void Invalid_and_protected_addresses_are_refused(string address, string why)
    {
        var list = List();
        Assert.Equal(new BanDecision[] { new BanRefused(address, "sshblock", why) }, list.Request(Request(address, TimeSpan.FromMinutes(10)), T0));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void A_duration_that_is_not_positive_is_refused_and_a_long_one_shortened_to_max_duration()
    {
        var list = List();
        Assert.IsType<BanRefused>(Assert.Single(list.Request(Request("192.0.2.1", TimeSpan.Zero), T0)));

        var imposed = Assert.IsType<BanImposed>(Assert.Single(list.Request(Request("192.0.2.1", TimeSpan.FromDays(3)), T0)));
        Assert.Equal(TimeSpan.FromHours(1), imposed.Duration);
        Assert.Equal(new[] { new BanRecord("192.0.2.1", T0.AddHours(1), "5 failures", "sshblock") }, list.Records());
    }

    [Fact]
    public void A_ban_ends_when_its_time_is_up_and_not_before()
    {
        var list = List();
        list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(10)), T0);
        list.Request(Request("2001:db8::/32", TimeSpan.FromMinutes(20)), T0);
        Assert.Equal(T0.AddMinutes(10), list.NextExpiry);

        Assert.Empty(list.Expire(T0.AddMinutes(10).AddTicks(-1)));
        Assert.Equal(new BanDecision[] { new BanLifted(Target("192.0.2.7"), LiftReason.Expired) }, list.Expire(T0.AddMinutes(10)));
        Assert.Equal(T0.AddMinutes(20), list.NextExpiry);
        Assert.Single(list.Expire(T0.AddHours(1)));
        Assert.Null(list.NextExpiry);
    }

    [Fact]
    public void A_repeated_request_neither_extends_nor_shortens_the_ban()
    {
        var list = List();
        list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(10)), T0);

        Assert.Equal(new BanDecision[] { new BanAlreadyHeld(Target("192.0.2.7"), "sshblock") }, list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(30)), T0.AddMinutes(5)));
        Assert.Equal(new BanDecision[] { new BanAlreadyHeld(Target("192.0.2.7"), "sshblock") }, list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(1)), T0.AddMinutes(6)));
        Assert.Equal(T0.AddMinutes(10), list.NextExpiry);
        Assert.Single(list.Expire(T0.AddMinutes(10)));
    }

    [Fact]
    public void A_full_list_lifts_the_ban_closest_to_expiry_to_make_room()
    {
        var list = List(maxBans: 2);
        list.Request(Request("192.0.2.1", TimeSpan.FromMinutes(30)), T0);
        list.Request(Request("192.0.2.2", TimeSpan.FromMinutes(10)), T0);

        var decisions = list.Request(Request("192.0.2.3", TimeSpan.FromMinutes(20)), T0.AddMinutes(1));
        Assert.Equal(new BanLifted(Target("192.0.2.2"), LiftReason.Evicted), decisions[0]);
        Assert.IsType<BanImposed>(decisions[1]);
        Assert.Equal(new[] { "192.0.2.3", "192.0.2.1" }, list.Records().Select(r => r.Address));
    }

    [Fact]
    public void Restoring_bans_again_for_what_is_left_and_lifts_what_expired_meanwhile()
    {
        var list = List();
        var decisions = list.Restore(
            [
                new BanRecord("192.0.2.8", T0.AddMinutes(10), "earlier", "sshblock"),
                new BanRecord("192.0.2.9", T0.AddMinutes(-1), "earlier", "sshblock"),
                new BanRecord("not an address", T0.AddMinutes(10), "earlier", "sshblock"),
            ],
            T0);

        Assert.Equal(
            new BanDecision[]
            {
                new BanImposed(Target("192.0.2.8"), TimeSpan.FromMinutes(10), "earlier", "sshblock", Restored: true),
                new BanLifted(Target("192.0.2.9"), LiftReason.Stale),
                new BanRecordInvalid("not an address"),
            },
            decisions);
        Assert.Equal(new[] { "192.0.2.8" }, list.Records().Select(r => r.Address));
    }

    [Fact]
    public void Merging_learns_live_entries_once_and_never_applies_an_expired_one()
    {
        var list = List();
        var entry = Entry("192.0.2.7", T0.AddMinutes(10), decidedAt: T0);
        var expired = Entry("192.0.2.8", T0.AddSeconds(-1), decidedAt: T0.AddMinutes(-10));

        Assert.Equal(new BanDecision[] { new BanLearned(Target("192.0.2.7"), TimeSpan.FromMinutes(9), entry) }, list.Merge([entry, expired], T0.AddMinutes(1)));
        Assert.Empty(list.Merge([entry, expired], T0.AddMinutes(2)));
        Assert.Equal(T0.AddMinutes(10), list.NextExpiry);

        // Lifted here at its time; a peer that has not yet heard of the removal still lists it: not applied again.
        Assert.Single(list.Expire(T0.AddMinutes(10)));
        Assert.Empty(list.Merge([entry], T0.AddMinutes(10)));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void A_ban_decided_here_is_not_applied_again_when_it_comes_back_from_the_cluster()
    {
        var list = List();
        var imposed = Assert.IsType<BanImposed>(Assert.Single(list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(10)), T0)));

        Assert.Empty(list.Merge([Entry("192.0.2.7", T0 + imposed.Duration, decidedAt: T0)], T0.AddMilliseconds(30)));
        // A concurrent ban of the same target a few milliseconds later on another node is the same ban.
        Assert.Empty(list.Merge([Entry("192.0.2.7", T0.AddMinutes(10).AddMilliseconds(40), decidedAt: T0.AddMilliseconds(40))], T0.AddMilliseconds(60)));
    }

    [Fact]
    public void A_longer_replicated_ban_extends_the_one_held_here_and_a_shorter_one_does_not_shorten_it()
    {
        var list = List();
        list.Request(Request("192.0.2.7", TimeSpan.FromMinutes(10)), T0);
        var longer = Entry("192.0.2.7", T0.AddMinutes(30), decidedAt: T0.AddMinutes(1));

        Assert.Equal(new BanDecision[] { new BanExtended(Target("192.0.2.7"), TimeSpan.FromMinutes(28), longer) }, list.Merge([longer], T0.AddMinutes(2)));
        Assert.Empty(list.Merge([Entry("192.0.2.7", T0.AddMinutes(5), decidedAt: T0.AddMinutes(2))], T0.AddMinutes(2)));
        Assert.Equal(T0.AddMinutes(30), list.NextExpiry);
        Assert.Empty(list.Expire(T0.AddMinutes(10)));
    }

    [Fact]
    public void A_replicated_entry_this_node_must_not_ban_is_refused_once()
    {
        var list = List();
        var entries = new[] { Entry("10.1.2.3", T0.AddMinutes(10)), Entry("192.0.2.7; reboot", T0.AddMinutes(10)), Entry("2001:DB8::1", T0.AddMinutes(10)) };

        Assert.Equal(
            new BanDecision[]
            {
                new BanRefused("10.1.2.3", "sshblock", "inside never-ban network 10.0.0.0/8"),
                new BanRefused("192.0.2.7; reboot", "sshblock", "not an IPv4 or IPv6 address or network"),
                new BanRefused("2001:DB8::1", "sshblock", "not in canonical form"),
            },
            list.Merge(entries, T0));
        Assert.Empty(list.Merge(entries, T0.AddMinutes(1)));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void A_full_list_learns_only_entries_that_outlast_its_soonest_ban_so_nodes_agree_without_flapping()
    {
        var list = List(maxBans: 2);
        var entries = new[]
        {
            Entry("192.0.2.1", T0.AddMinutes(10)),
            Entry("192.0.2.2", T0.AddMinutes(30)),
            Entry("192.0.2.3", T0.AddMinutes(20)),
        };

        var decisions = list.Merge(entries, T0);
        Assert.Equal(["192.0.2.2", "192.0.2.3"], decisions.OfType<BanLearned>().Select(d => d.Target.Text));
        Assert.DoesNotContain(decisions, d => d is BanLifted);
        Assert.Empty(list.Merge(entries, T0.AddMinutes(1)));

        var later = Entry("192.0.2.4", T0.AddMinutes(25));
        Assert.Equal(
            new BanDecision[] { new BanLifted(Target("192.0.2.3"), LiftReason.Evicted), new BanLearned(Target("192.0.2.4"), TimeSpan.FromMinutes(24), later) },
            list.Merge([.. entries, later], T0.AddMinutes(1)));
        Assert.Empty(list.Merge([.. entries, later], T0.AddMinutes(2)));
    }

    private static BanEntry Entry(string target, DateTimeOffset until, DateTimeOffset? decidedAt = null) =>
        new(target, until, "5 failures", "sshblock", "127.0.0.1:4053", decidedAt ?? T0);

    private static BanTarget Target(string text) => BanTarget.TryParse(text, out var target) ? target : throw new ArgumentException(text);
}
