using System.Net;
using System.Net.Sockets;

namespace Syslogintr.Actions;

/// <summary>
/// An address or network a rule asked to ban, validated and in canonical text. Rules pass text taken from log
/// lines, which an attacker writes: only a strict IPv4 dotted quad, an IPv6 address (no zone) or such an address
/// with a prefix length is accepted, so nothing else can ever reach a firewall command's argv.
/// </summary>
public sealed record BanTarget(IPNetwork Network)
{
    public bool IsIPv6 => Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>A single address when the prefix covers every bit, otherwise <c>base/prefix</c>.</summary>
    public string Text => Network.PrefixLength == (IsIPv6 ? 128 : 32) ? Network.BaseAddress.ToString() : Network.ToString();

    public static bool TryParse(string? text, out BanTarget target)
    {
        target = null!;
        if (string.IsNullOrEmpty(text) || text.Length > 64 || !text.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':' or '/'))
        {
            return false;
        }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IsStrictAddress(addressText) || !IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            if (slash >= 0)
            {
                return false;
            }

            address = address.MapToIPv4();
        }

        var full = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = full;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), out prefix) || prefix < 0 || prefix > full || (text[slash + 1] == '0' && text.Length > slash + 2)))
        {
            return false;
        }

        if (!IPNetwork.TryParse($"{address}/{prefix}", out var network) || !network.BaseAddress.Equals(address))
        {
            // Host bits set (1.2.3.4/24): ambiguous, refuse rather than guess.
            return false;
        }

        target = new BanTarget(network);
        return true;
    }

    /// <summary>True when this target and <paramref name="other"/> share any address.</summary>
    public bool Overlaps(IPNetwork other) => Network.Contains(other.BaseAddress) || other.Contains(Network.BaseAddress);

    /// <summary>IPv4 must be four decimal parts without leading zeros (IPAddress.TryParse also takes <c>1</c>, <c>0x7f.1</c> and octal); IPv6 anything IPAddress accepts from our alphabet.</summary>
    private static bool IsStrictAddress(string text)
    {
        if (text.Contains(':'))
        {
            var lastColon = text.LastIndexOf(':');
            return !text[(lastColon + 1)..].Contains('.') || IsDottedQuad(text[(lastColon + 1)..]);
        }

        return IsDottedQuad(text);
    }

    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p) <= 255);
    }
}
