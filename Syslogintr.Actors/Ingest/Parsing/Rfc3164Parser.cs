using System.Net;
using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// RFC 3164 ("BSD") messages as real senders write them: <c>TIMESTAMP [HOSTNAME] [TAG] MSG</c> after the PRI,
/// where TIMESTAMP is <c>Mmm dd hh:mm:ss</c> (maybe with a year or fraction) or RFC 3339, HOSTNAME may be missing,
/// and TAG is any word up to a colon or space (<c>program[pid]:</c>, <c>program</c>; from some old daemons
/// <c>[program]:</c>). Headers are read as rsyslog reads them (Ingest/Differential proves it; the README lists where we
/// differ on purpose), and so are two device forms rsyslog has parser modules for: AIX's relayed messages
/// (<see cref="AixForwardedFrom"/>) and Cisco IOS (Rfc3164Parser.CiscoIos.cs). Never fails: what is not a header is
/// message.
/// </summary>
internal sealed partial class Rfc3164Parser(StringCache strings, LocalClock local)
{
    /// <summary>RFC 3164 allows 32, but real programs (postfix/smtpd, com.apple.xpc.launchd) go beyond; RFC 5424 allows 48.</summary>
    private const int MaxTagLength = 48;

    private static ReadOnlySpan<byte> MonthNames => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>Reads everything after the PRI (or the whole message when it has none); a missing year is inferred from <paramref name="receivedAt"/>.</summary>
    public void Parse(ReadOnlySpan<byte> text, DateTimeOffset receivedAt, out ParsedFields fields)
    {
        fields = default;
        fields.StructuredData = [];
        if (AixForwardedFrom.TryUnwrap(text, out var unwrapped))
        {
            text = unwrapped;
        }

        if (TryReadCiscoIos(text, receivedAt, ref fields))
        {
            return;
        }

        // "<30> Feb  2 ...": rsyslog skips spaces before a BSD timestamp (not before an RFC 3339 one), and so do we.
        var pos = text.Length > 4 && Digits.Is(text[0]) ? 0 : SkipSpaces(text, 0);
        if (TryReadTimestamp(text[pos..], receivedAt, out var timestamp, out var used, out var precision, out var zulu))
        {
            fields.Timestamp = timestamp;
            fields.TimestampPrecision = precision;
            fields.TimestampZulu = zulu;
            pos += used;

            // One space ends the timestamp; with two, rsyslog reads neither host name nor tag.
            if (pos < text.Length && text[pos] == ' ')
            {
                pos++;
            }

            ReadHostname(text, ref pos, ref fields);
            // After a host name, "[word]" without a colon may be message text ("[warn] disk full").
            if (!TryReadBracketedTag(text, ref pos, ref fields, colonRequired: fields.Hostname is not null))
            {
                ReadTag(text, ref pos, ref fields);
            }
        }
        else if (IsStrictTag(text[pos..]))
        {
            // No timestamp, yet unmistakably "program[pid]: " or "program: " (embedded senders skip the header).
            ReadTag(text, ref pos, ref fields);
        }

        // RFC 3164 §4.3.2: without a recognisable header, all of it is the message.
        fields.Message = Encoding.UTF8.GetString(text[pos..]);
    }

    private static int SkipSpaces(ReadOnlySpan<byte> text, int pos)
    {
        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }

        return pos;
    }

    /// <summary>
    /// The sender's timestamp, with the fraction digits it wrote (none in <c>Mmm dd hh:mm:ss</c>) and whether it wrote
    /// UTC as <c>Z</c>: an RFC 5424 relay writes it with as many, as rsyslog does, not with six zeros it never sent.
    /// </summary>
    private bool TryReadTimestamp(ReadOnlySpan<byte> text, DateTimeOffset receivedAt, out DateTimeOffset timestamp, out int used, out int precision, out bool zulu)
    {
        if (text.Length > 4 && Digits.Is(text[0]))
        {
            var read = Rfc3339Timestamp.TryParse(text, strict: false, local, out timestamp, out used);
            precision = read ? Rfc3339Timestamp.FractionDigits(text[..used]) : 0;
            zulu = read && (text[used - 1] | 0x20) == 'z';
            return read && EndsField(text, ref used);
        }

        zulu = false;
        return TryReadBsdTimestamp(text, receivedAt, zoneName: false, out timestamp, out used, out precision);
    }

    /// <summary>A timestamp must be followed by a space or the end of the message.</summary>
    private static bool EndsField(ReadOnlySpan<byte> text, ref int used)
    {
        // Cisco IOS writes "Mmm dd yyyy hh:mm:ss: %FACILITY-...": the colon belongs to the timestamp.
        if (used < text.Length && text[used] == ':' && (used + 1 == text.Length || text[used + 1] == ' '))
        {
            used++;
        }

        return used == text.Length || text[used] == ' ';
    }

    /// <summary>
    /// <c>Mmm dd hh:mm:ss</c> with the day space- or zero-padded (or bare), an optional year before the time and an
    /// optional fraction (<paramref name="precision"/>: its digits); with <paramref name="zoneName"/>, also a zone name
    /// after the time (Cisco IOS: "00:03:12 UTC:"), which is skipped: rsyslog knows no zone by name unless configured
    /// to, and reads the time as local, as we do.
    /// </summary>
    private bool TryReadBsdTimestamp(ReadOnlySpan<byte> text, DateTimeOffset receivedAt, bool zoneName, out DateTimeOffset timestamp, out int used, out int precision)
    {
        timestamp = default;
        used = 0;
        precision = 0;
        if (text.Length < 14 || text[3] != ' ' || MonthOf(text[..3]) is not (> 0 and var month))
        {
            return false;
        }

        int day;
        var pos = 4;
        if (text[4] == ' ' && Digits.Is(text[5]))
        {
            day = text[5] - '0';
            pos = 6;
        }
        else if (Digits.Is(text[4]) && Digits.Is(text[5]))
        {
            day = (text[4] - '0') * 10 + (text[5] - '0');
            pos = 6;
        }
        else if (Digits.Is(text[4]) && text[5] == ' ')
        {
            day = text[4] - '0';
            pos = 5;
        }
        else
        {
            return false;
        }

        if (text[pos] != ' ' || day is < 1 or > 31)
        {
            return false;
        }

        pos++;
        var year = 0;
        if (text.Length - pos >= 13 && text[pos + 4] == ' ' && Digits.TryRead(text.Slice(pos, 4), out year))
        {
            pos += 5;
        }

        if (text.Length - pos < 8
            || !Digits.TryRead(text.Slice(pos, 2), out var hour) || text[pos + 2] != ':'
            || !Digits.TryRead(text.Slice(pos + 3, 2), out var minute) || text[pos + 5] != ':'
            || !Digits.TryRead(text.Slice(pos + 6, 2), out var second)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        pos += 8;
        long fractionTicks = 0;
        if (pos + 1 < text.Length && text[pos] == '.' && Digits.Is(text[pos + 1]))
        {
            var digits = 0;
            pos++;
            while (pos < text.Length && Digits.Is(text[pos]))
            {
                if (digits++ < 7)
                {
                    fractionTicks = fractionTicks * 10 + (text[pos] - '0');
                }

                pos++;
            }

            precision = digits;
            for (; digits < 7; digits++)
            {
                fractionTicks *= 10;
            }
        }

        if (zoneName && text.Length - pos > 2 && text[pos] == ' ')
        {
            var zoneLength = text[(pos + 1)..].IndexOfAny((byte)':', (byte)' ');
            pos += 1 + (zoneLength < 0 ? text.Length - pos - 1 : zoneLength);
        }

        if (!EndsField(text, ref pos))
        {
            return false;
        }

        var timeOfDay = new TimeSpan(hour, minute, second);
        if (year == 0 && !local.TryInferYear(month, day, timeOfDay, receivedAt, out year))
        {
            return false;
        }

        if (year < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        var wallClock = new DateTime(year, month, day).Add(timeOfDay).AddTicks(fractionTicks);
        if (!Rfc3339Timestamp.TryCreate(wallClock, local.OffsetAt(wallClock), out timestamp))
        {
            return false;
        }

        used = pos;
        return true;
    }

    /// <summary>1–12 for an English month abbreviation in any case, else 0.</summary>
    private static int MonthOf(ReadOnlySpan<byte> name)
    {
        var names = MonthNames;
        for (var i = 0; i < 12; i++)
        {
            var candidate = names.Slice(i * 3, 3);
            if ((name[0] | 0x20) == (candidate[0] | 0x20) && (name[1] | 0x20) == candidate[1] && (name[2] | 0x20) == candidate[2])
            {
                return i + 1;
            }
        }

        return 0;
    }

    /// <summary>
    /// rsyslog's rule: the word after the timestamp is the sender's host name when it is made of letters, digits, '.', '_'
    /// and '-', ends in a letter or digit, and is followed by a space or the end ("sshd[1]:" and "web1." are no host
    /// names). We also take an IPv6 literal, which rsyslog reads as a tag "2001:".
    /// </summary>
    private void ReadHostname(ReadOnlySpan<byte> text, ref int pos, ref ParsedFields fields)
    {
        var rest = text[pos..];
        var length = rest.IndexOfAnyExcept(HostnameBytes);
        if (length < 0)
        {
            length = rest.Length;
        }

        if (length == 0 || (length < rest.Length && rest[length] != ' ') || !IsLetterOrDigit(rest[length - 1]))
        {
            var word = rest.IndexOf((byte)' ') is var space and >= 0 ? rest[..space] : rest;
            if (!IsIpv6Literal(word))
            {
                return;
            }

            length = word.Length;
        }

        fields.Hostname = strings.Get(rest[..length]);
        pos += length < rest.Length ? length + 1 : length;
    }

    private static ReadOnlySpan<byte> HostnameBytes => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"u8;

    private static bool IsLetterOrDigit(byte b) => IsLetter(b) || Digits.Is(b);

    /// <summary>
    /// <c>[program]:</c> or <c>[program]</c> followed by a space or the end, the program starting with a letter (so a
    /// kernel's "[12345.678]" is not one), as some old sshd builds write their tag (fail2ban's sshd filter reads it too).
    /// </summary>
    private bool TryReadBracketedTag(ReadOnlySpan<byte> text, ref int pos, ref ParsedFields fields, bool colonRequired)
    {
        var rest = text[pos..];
        if (rest.Length < 3 || rest[0] != '[' || !IsLetter(rest[1]))
        {
            return false;
        }

        var close = rest[1..].IndexOfAny((byte)']', (byte)' ', (byte)'[') + 1;
        if (close <= 0 || close - 1 > MaxTagLength || rest[close] != ']' || rest[1..close].IndexOf((byte)':') >= 0 || HasControl(rest[1..close]))
        {
            return false;
        }

        var end = close + 1;
        var colon = end < rest.Length && rest[end] == ':';
        if (colon)
        {
            end++;
        }

        if ((colonRequired && !colon) || (end < rest.Length && rest[end] != ' '))
        {
            return false;
        }

        if (end < rest.Length)
        {
            end++;
        }

        fields.AppName = strings.Get(rest[1..close]);
        pos += end;
        return true;
    }

    /// <summary>Host names and tags are printable: a control character (C0 or DEL) in a word makes it message text.</summary>
    private static bool HasControl(ReadOnlySpan<byte> word) => word.IndexOfAnyInRange((byte)0, (byte)0x1f) >= 0 || word.Contains((byte)0x7f);

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    private static bool IsIpv6Literal(ReadOnlySpan<byte> word)
    {
        if (word.Length is < 2 or > 45 || word.IndexOfAnyExcept("0123456789abcdefABCDEF:."u8) >= 0)
        {
            return false;
        }

        Span<char> chars = stackalloc char[word.Length];
        for (var i = 0; i < word.Length; i++)
        {
            chars[i] = (char)word[i];
        }

        return IPAddress.TryParse(chars, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }

    /// <summary>
    /// A tag is a word ending in ':' or holding "[pid]"; a bare word followed by a space is message text
    /// (RFC 3164 §5.4: in "10.0.0.99 Use the BFG!" the message is "Use the BFG!").
    /// </summary>
    private static bool LooksLikeTag(ReadOnlySpan<byte> text)
    {
        var end = text.IndexOfAny((byte)' ', (byte)'[', (byte)':');
        return end > 0 && end <= MaxTagLength && text[end] != ' ';
    }

    /// <summary>Without a timestamp only the unmistakable forms count: "program: " or "program[pid]: " (or at the end).</summary>
    private static bool IsStrictTag(ReadOnlySpan<byte> text)
    {
        if (!LooksLikeTag(text))
        {
            return false;
        }

        var end = text.IndexOfAny((byte)'[', (byte)':');
        if (text[end] == '[')
        {
            var close = text[end..].IndexOf((byte)']');
            if (close < 0)
            {
                return false;
            }

            end += close + 1;
        }

        return end < text.Length && text[end] == ':' && (end + 1 == text.Length || text[end + 1] == ' ');
    }

    /// <summary>
    /// rsyslog's rule: the tag is everything up to a colon (included) or a space, so a bare word is a tag too
    /// ("web1 backup Job started" is program "backup"); the program is the tag up to '[' or ':', the PROCID what stands
    /// between '[' and ']'. Reads the one space after it. Leaves <paramref name="pos"/> alone when a control character
    /// makes the word message text.
    /// </summary>
    private void ReadTag(ReadOnlySpan<byte> text, ref int pos, ref ParsedFields fields)
    {
        var rest = text[pos..];
        var end = rest.IndexOfAny((byte)' ', (byte)':');
        if (end < 0)
        {
            end = rest.Length;
        }

        var tag = rest[..end];
        if (HasControl(tag))
        {
            return;
        }

        var open = tag.IndexOf((byte)'[');
        var program = open >= 0 ? tag[..open] : tag;
        string? procId = null;
        if (open >= 0 && tag[(open + 1)..].IndexOf((byte)']') is var pidLength and > 0)
        {
            procId = strings.Get(tag.Slice(open + 1, pidLength));
        }

        if (end < rest.Length && rest[end] == ':')
        {
            end++;
        }

        if (end < rest.Length && rest[end] == ' ')
        {
            end++;
        }

        fields.AppName = program.IsEmpty ? null : strings.Get(program);
        fields.ProcId = procId;
        pos += end;
    }
}
