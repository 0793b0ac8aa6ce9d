namespace Syslogintr.Actions;

/// <summary>Why a ban ends: its time is up, it made room for a new one, or it expired while the node was stopped.</summary>
public enum LiftReason
{
    Expired,
    Evicted,
    Stale,
}

/// <summary>What the ban list decided; the ban actor turns each into firewall commands, counters and log lines.</summary>
public abstract record BanDecision;

/// <summary>The request was refused (<paramref name="Why"/>); nothing is run.</summary>
public sealed record BanRefused(string Address, string Rule, string Why) : BanDecision;

/// <summary>The address is banned already; the ban is not extended.</summary>
public sealed record BanAlreadyHeld(BanTarget Target, string Rule) : BanDecision;

/// <summary>Ban <paramref name="Target"/> for <paramref name="Duration"/>; <paramref name="Restored"/> when re-applied at start.</summary>
public sealed record BanImposed(BanTarget Target, TimeSpan Duration, string Reason, string Rule, bool Restored = false) : BanDecision;

/// <summary>Lift the ban of <paramref name="Target"/>.</summary>
public sealed record BanLifted(BanTarget Target, LiftReason Why) : BanDecision;

/// <summary>A stored entry whose address is not valid; ignored.</summary>
public sealed record BanRecordInvalid(string Address) : BanDecision;

/// <summary>Ban <paramref name="Target"/> for <paramref name="Duration"/>, as another node decided (<paramref name="Entry"/>).</summary>
public sealed record BanLearned(BanTarget Target, TimeSpan Duration, BanEntry Entry) : BanDecision;

/// <summary>A node banned <paramref name="Target"/>, held here already, for longer: it now lasts <paramref name="Remaining"/>.</summary>
public sealed record BanExtended(BanTarget Target, TimeSpan Remaining, BanEntry Entry) : BanDecision;

/// <summary>
/// The ban list: who is banned until when. A valid address outside never-ban, with a positive duration (shortened
/// to max-duration), not already banned, is banned; when max-bans are held, the ban closest to expiry is lifted
/// first to make room. A repeated request neither extends nor shortens a ban.
/// Pure and deterministic: time comes in with each input, so every node given the same inputs decides the same.
/// </summary>
public sealed class BanList(BanSettings settings)
{
    /// <summary>A replicated ban is an extension only when it lasts this much longer: two nodes banning at once differ by milliseconds.</summary>
    public static readonly TimeSpan ExtensionThreshold = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Ban> bans = new(StringComparer.Ordinal);

    /// <summary>Replicated entries refused here (never-ban, invalid), until they expire: refused once, not at every change of the list.</summary>
    private readonly Dictionary<string, DateTimeOffset> refusedEntries = new(StringComparer.Ordinal);

    public int Count => bans.Count;

    /// <summary>The earliest expiry; null when nobody is banned.</summary>
    public DateTimeOffset? NextExpiry => bans.Count == 0 ? null : bans.Values.Min(b => b.Until);

    /// <summary>At start: entries still live are banned again for what is left of them, the others lifted.</summary>
    public IReadOnlyList<BanDecision> Restore(IEnumerable<BanRecord> stored, DateTimeOffset now)
    {
        var decisions = new List<BanDecision>();
        foreach (var record in stored)
        {
            if (!BanTarget.TryParse(record.Address, out var target))
            {
                decisions.Add(new BanRecordInvalid(record.Address));
            }
            else if (record.Until > now)
            {
                bans[target.Text] = new Ban(target, record.Until, record.Reason, record.Rule);
                decisions.Add(new BanImposed(target, record.Until - now, record.Reason, record.Rule, Restored: true));
            }
            else
            {
                decisions.Add(new BanLifted(target, LiftReason.Stale));
            }
        }

        return decisions;
    }

    public IReadOnlyList<BanDecision> Request(BanRequested request, DateTimeOffset now)
    {
        if (Refusal(request.Address, out var target) is { } why)
        {
            return [new BanRefused(request.Address, request.Rule, why)];
        }

        if (request.Duration <= TimeSpan.Zero)
        {
            return [new BanRefused(request.Address, request.Rule, $"duration {request.Duration} is not positive")];
        }

        if (bans.ContainsKey(target.Text))
        {
            return [new BanAlreadyHeld(target, request.Rule)];
        }

        var decisions = new List<BanDecision>();
        if (bans.Count >= settings.MaxBans)
        {
            var soonest = bans.Values.MinBy(b => b.Until)!;
            bans.Remove(soonest.Target.Text);
            decisions.Add(new BanLifted(soonest.Target, LiftReason.Evicted));
        }

        var duration = request.Duration > settings.MaxDuration ? settings.MaxDuration : request.Duration;
        bans[target.Text] = new Ban(target, now + duration, request.Reason, request.Rule);
        decisions.Add(new BanImposed(target, duration, request.Reason, request.Rule));
        return decisions;
    }

    /// <summary>
    /// Brings this node's list up to the cluster's replicated one: a live entry not held here is learned, one held
    /// here that lasts longer (by <see cref="ExtensionThreshold"/>) extends the ban. An expired entry is never
    /// applied, so a ban lifted here cannot come back from a peer that has not yet heard of its removal; nothing is
    /// lifted for being absent (bans end at their time only). When max-bans are held, an entry is learned only if it
    /// outlasts the soonest held one, which it then evicts: every node given the same entries keeps the same bans.
    /// </summary>
    public IReadOnlyList<BanDecision> Merge(IEnumerable<BanEntry> replicated, DateTimeOffset now)
    {
        foreach (var stale in refusedEntries.Where(r => r.Value <= now).Select(r => r.Key).ToList())
        {
            refusedEntries.Remove(stale);
        }

        var decisions = new List<BanDecision>();
        foreach (var entry in replicated.Where(e => e.Until > now).OrderByDescending(e => e.Until).ThenBy(e => e.Target, StringComparer.Ordinal))
        {
            if (bans.TryGetValue(entry.Target, out var held))
            {
                if (entry.Until - held.Until >= ExtensionThreshold)
                {
                    bans[entry.Target] = held with { Until = entry.Until };
                    decisions.Add(new BanExtended(held.Target, entry.Until - now, entry));
                }

                continue;
            }

            if (refusedEntries.TryGetValue(entry.Target, out var refusedUntil) && refusedUntil >= entry.Until)
            {
                continue;
            }

            // A key other than the canonical text would never match what this list holds, and be learned again at every change.
            if ((Refusal(entry.Target, out var target) ?? (target.Text == entry.Target ? null : "not in canonical form")) is { } why)
            {
                refusedEntries[entry.Target] = entry.Until;
                decisions.Add(new BanRefused(entry.Target, entry.Rule, why));
                continue;
            }

            if (bans.Count >= settings.MaxBans)
            {
                var soonest = bans.Values.MinBy(b => b.Until)!;
                if (soonest.Until >= entry.Until)
                {
                    continue;
                }

                bans.Remove(soonest.Target.Text);
                decisions.Add(new BanLifted(soonest.Target, LiftReason.Evicted));
            }

            bans[target.Text] = new Ban(target, entry.Until, entry.Reason, entry.Rule);
            decisions.Add(new BanLearned(target, entry.Until - now, entry));
        }

        return decisions;
    }

    /// <summary>Lifts every ban whose time is up at <paramref name="now"/>.</summary>
    public IReadOnlyList<BanDecision> Expire(DateTimeOffset now)
    {
        var due = bans.Values.Where(b => b.Until <= now).ToList();
        foreach (var ban in due)
        {
            bans.Remove(ban.Target.Text);
        }

        return [.. due.Select(b => new BanLifted(b.Target, LiftReason.Expired))];
    }

    /// <summary>The list as stored, soonest expiry first.</summary>
    public IReadOnlyList<BanRecord> Records() =>
        [.. bans.Values.OrderBy(b => b.Until).Select(b => new BanRecord(b.Target.Text, b.Until, b.Reason, b.Rule))];

    /// <summary>Why <paramref name="address"/> cannot be banned here, or null (and the parsed target) when it can.</summary>
    private string? Refusal(string address, out BanTarget target)
    {
        if (!BanTarget.TryParse(address, out target))
        {
            return "not an IPv4 or IPv6 address or network";
        }

        return settings.NeverBan.Where(target.Overlaps).Select(n => (System.Net.IPNetwork?)n).FirstOrDefault() is { } protectedNetwork
            ? $"inside never-ban network {protectedNetwork}"
            : null;
    }

    private sealed record Ban(BanTarget Target, DateTimeOffset Until, string Reason, string Rule);
}
