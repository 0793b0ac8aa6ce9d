using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// Cisco IOS writes <c>SEQ: [ORIGIN: ][*|.]Mmm dd [yyyy ]hh:mm:ss[.fff][ ZONE]: %FACILITY-SEVERITY-MNEMONIC: text</c>
/// after the PRI, which the ordinary rules would read as program "SEQ". Read as rsyslog's pmciscoios module reads it
/// (README, "Parsing"): the sequence number and the clock flags ('*' not set, '.' not synchronised) are dropped, ORIGIN
/// (the device's name, with "logging origin-id") is the host name, the %-mnemonic is the program.
/// </summary>
internal sealed partial class Rfc3164Parser
{
    private bool TryReadCiscoIos(ReadOnlySpan<byte> text, DateTimeOffset receivedAt, ref ParsedFields fields)
    {
        var pos = text.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (pos < 0 || !text[pos..].StartsWith(": "u8))
        {
            return false;
        }

        pos += 2;

        // Nothing in the line says whether an ORIGIN is there: try with one (up to the next ": "), then without,
        // as rsyslog does with both of pmciscoios's forms in its parser chain.
        var origin = text[pos..].IndexOf(": "u8);
        if (origin >= 0 && TryReadCiscoIosAfterOrigin(text[(pos + origin + 2)..], receivedAt, ref fields))
        {
            fields.Hostname = origin > 0 && !HasControl(text.Slice(pos, origin)) ? strings.Get(text.Slice(pos, origin)) : null;
            return true;
        }

        return TryReadCiscoIosAfterOrigin(text[pos..], receivedAt, ref fields);
    }

    private bool TryReadCiscoIosAfterOrigin(ReadOnlySpan<byte> text, DateTimeOffset receivedAt, ref ParsedFields fields)
    {
        var pos = !text.IsEmpty && text[0] is (byte)'*' or (byte)'.' ? 1 : 0;
        if (!TryReadBsdTimestamp(text[pos..], receivedAt, zoneName: true, out var timestamp, out var used, out var precision))
        {
            return false;
        }

        pos += used;
        var rest = pos < text.Length ? text[(pos + 1)..] : default;
        var end = rest.IndexOfAny((byte)':', (byte)' ');
        if (rest.IsEmpty || rest[0] != '%' || end < 0 || !rest[end..].StartsWith(": "u8))
        {
            return false;
        }

        fields.Timestamp = timestamp;
        fields.TimestampPrecision = precision;
        fields.AppName = strings.Get(rest[..end]);
        fields.Message = Encoding.UTF8.GetString(rest[(end + 2)..]);
        return true;
    }
}
