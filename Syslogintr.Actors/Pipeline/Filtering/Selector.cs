using Syslogintr.Ingest;

namespace Syslogintr.Pipeline.Filtering;

/// <summary>
/// A syslog.conf selector (<c>*.info;mail.none;authpriv.*</c>): which facility and severity pairs pass.
/// Semantics as sysklogd/rsyslog: selectors apply left to right; <c>fac.prio</c> adds prio and everything more
/// severe, <c>=prio</c> exactly that one, <c>!prio</c> removes prio and more severe, <c>none</c> removes the facility.
/// </summary>
internal sealed class Selector
{
    private const int FacilityCount = 24;

    // Bit s of mask[f] set: facility f at severity s is selected.
    private readonly byte[] mask = new byte[FacilityCount];

    public Selector(string selector)
    {
        foreach (var part in selector.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            Apply(part);
        }
    }

    /// <summary>Every facility at every severity (<c>*.*</c>, <c>*.debug</c>).</summary>
    public bool AcceptsEverything => mask.All(levels => levels == 0xFF);

    public bool Accepts(Facility facility, Severity severity) => (mask[(int)facility] & (1 << (int)severity)) != 0;

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
