using Syslogintr.Ingest;
using Syslogintr.Pipeline;

namespace Syslogintr.Sinks;

/// <summary>
/// A syslog.conf selector (<c>*.info;mail.none;authpriv.*</c>), optionally narrowed to programs and hosts.
/// Semantics as sysklogd/rsyslog: selectors apply left to right; <c>fac.prio</c> adds prio and everything more
/// severe, <c>=prio</c> exactly that one, <c>!prio</c> removes prio and more severe, <c>none</c> removes the facility.
/// </summary>
public sealed class Selector : IMessageFilter
{
    private const int FacilityCount = 24;

    // Bit s of mask[f] set: facility f at severity s is selected.
    private readonly byte[] mask = new byte[FacilityCount];
    private readonly HashSet<string>? programs;
    private readonly HashSet<string>? hosts;

    public Selector(string selector, IEnumerable<string>? programs = null, IEnumerable<string>? hosts = null)
    {
        Text = selector;
        foreach (var part in selector.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            Apply(part);
        }

        this.programs = ToSet(programs);
        this.hosts = ToSet(hosts);
    }

    public string Text { get; }

    /// <summary>True for <c>*.*</c> without program or host lists: the router then skips filtering altogether.</summary>
    public bool AcceptsEverything => programs is null && hosts is null && mask.All(levels => levels == 0xFF);

    public bool Accepts(SyslogMessage message) =>
        (mask[(int)message.Facility] & (1 << (int)message.Severity)) != 0
        && (programs is null || (message.AppName is { } app && programs.Contains(app)))
        && (hosts is null || (message.Hostname is { } host && hosts.Contains(host)));

    private static HashSet<string>? ToSet(IEnumerable<string>? values) =>
        values?.ToHashSet(StringComparer.OrdinalIgnoreCase) is { Count: > 0 } set ? set : null;

    private void Apply(string part)
    {
        var dot = part.LastIndexOf('.');
        if (dot <= 0 || dot == part.Length - 1)
        {
            throw new FormatException($"selector '{part}' is not facility.priority");
        }

        var (negate, exact, level) = ParseLevel(part[(dot + 1)..]);
        foreach (var facility in part[..dot].Split(',', StringSplitOptions.TrimEntries))
        {
            foreach (var f in FacilityCodes(facility))
            {
                mask[f] = level switch
                {
                    null => 0,
                    _ when negate => (byte)(mask[f] & ~Levels(level.Value, exact)),
                    _ => (byte)(mask[f] | Levels(level.Value, exact)),
                };
            }
        }
    }

    private static IEnumerable<int> FacilityCodes(string name)
    {
        if (name == "*")
        {
            return Enumerable.Range(0, FacilityCount);
        }

        return SyslogNames.TryParseFacility(name, out var f)
            ? [(int)f]
            : throw new FormatException($"unknown facility '{name}'");
    }

    /// <summary>(negate, exact, severity) where a null severity means <c>none</c>.</summary>
    private static (bool Negate, bool Exact, Severity? Level) ParseLevel(string text)
    {
        var negate = text.StartsWith('!');
        if (negate)
        {
            text = text[1..];
        }

        var exact = text.StartsWith('=');
        if (exact)
        {
            text = text[1..];
        }

        return text switch
        {
            "*" => (negate, false, Severity.Debug),
            "none" => (false, false, null),
            _ when SyslogNames.TryParseSeverity(text, out var s) => (negate, exact, s),
            _ => throw new FormatException($"unknown priority '{text}'"),
        };
    }

    /// <summary>Bits for <paramref name="level"/> alone, or for it and every more severe level.</summary>
    private static byte Levels(Severity level, bool exact) =>
        exact ? (byte)(1 << (int)level) : (byte)((1 << ((int)level + 1)) - 1);
}
