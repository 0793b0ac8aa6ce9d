namespace Syslogintr.Ingest.Parsing;

/// <summary>RFC 3339 timestamps (<c>2003-10-11T22:14:15.003Z</c>), as RFC 5424 uses them and as many RFC 3164 senders now write them.</summary>
internal static class Rfc3339Timestamp
{
    private const int DateTimeLength = 19; // yyyy-MM-ddTHH:mm:ss
    private static readonly long MaxOffsetTicks = TimeSpan.FromHours(14).Ticks;

    /// <summary>
    /// Parses the timestamp at the start of <paramref name="text"/> and says how many bytes it took.
    /// Strict (RFC 5424 §6.2.3): upper-case T and Z, 1–6 fraction digits, the offset required.
    /// Lenient (RFC 3164 position): also lower-case t/z, a space for the T (<c>2024-03-03 08:15:02.5+01:00</c>), any
    /// number of fraction digits (kept to 100 ns), and no offset, read as local time.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, bool strict, LocalClock local, out DateTimeOffset value, out int length)
    {
        value = default;
        length = 0;
        if (text.Length < DateTimeLength
            || !Digits.TryRead(text[..4], out var year) || text[4] != '-'
            || !Digits.TryRead(text.Slice(5, 2), out var month) || text[7] != '-'
            || !Digits.TryRead(text.Slice(8, 2), out var day)
            || !(text[10] == 'T' || (!strict && text[10] is (byte)'t' or (byte)' '))
            || !Digits.TryRead(text.Slice(11, 2), out var hour) || text[13] != ':'
            || !Digits.TryRead(text.Slice(14, 2), out var minute) || text[16] != ':'
            || !Digits.TryRead(text.Slice(17, 2), out var second))
        {
            return false;
        }

        // RFC 5424 §6.2.3.1 forbids leap seconds, and DateTime cannot hold them anyway.
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var pos = DateTimeLength;
        long fractionTicks = 0;
        if (pos < text.Length && text[pos] == '.')
        {
            var digits = 0;
            pos++;
            while (pos < text.Length && Digits.Is(text[pos]))
            {
                if (digits < 7)
                {
                    fractionTicks = fractionTicks * 10 + (text[pos] - '0');
                }

                digits++;
                pos++;
            }

            if (digits == 0 || (strict && digits > 6))
            {
                return false;
            }

            for (var scale = digits; scale < 7; scale++)
            {
                fractionTicks *= 10;
            }
        }

        var wallClock = new DateTime(year, month, day, hour, minute, second).AddTicks(fractionTicks);
        TimeSpan offset;
        if (pos < text.Length && (text[pos] == 'Z' || (!strict && text[pos] == 'z')))
        {
            offset = TimeSpan.Zero;
            pos++;
        }
        else if (pos < text.Length && text[pos] is (byte)'+' or (byte)'-')
        {
            if (text.Length - pos < 6
                || !Digits.TryRead(text.Slice(pos + 1, 2), out var offsetHours) || text[pos + 3] != ':'
                || !Digits.TryRead(text.Slice(pos + 4, 2), out var offsetMinutes)
                || offsetHours > 23 || offsetMinutes > 59)
            {
                return false;
            }

            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (text[pos] == '-')
            {
                offset = -offset;
            }

            pos += 6;
        }
        else if (strict)
        {
            return false;
        }
        else
        {
            offset = local.OffsetAt(wallClock);
        }

        if (!TryCreate(wallClock, offset, out value))
        {
            return false;
        }

        length = pos;
        return true;
    }

    /// <summary>How many fraction digits a timestamp <see cref="TryParse"/> accepted has (0 for none).</summary>
    public static int FractionDigits(ReadOnlySpan<byte> timestamp)
    {
        var digits = 0;
        if (timestamp.Length > DateTimeLength && timestamp[DateTimeLength] == '.')
        {
            while (DateTimeLength + 1 + digits < timestamp.Length && Digits.Is(timestamp[DateTimeLength + 1 + digits]))
            {
                digits++;
            }
        }

        return digits;
    }

    /// <summary>A <see cref="DateTimeOffset"/>, unless the offset is beyond ±14 h or pushes the instant out of range.</summary>
    public static bool TryCreate(DateTime wallClock, TimeSpan offset, out DateTimeOffset value)
    {
        var utcTicks = wallClock.Ticks - offset.Ticks;
        if (Math.Abs(offset.Ticks) > MaxOffsetTicks || utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            value = default;
            return false;
        }

        value = new DateTimeOffset(wallClock, offset);
        return true;
    }
}

/// <summary>ASCII digit helpers for the parsers.</summary>
internal static class Digits
{
    public static bool Is(byte b) => (uint)(b - '0') <= 9;

    /// <summary>Reads a short run of digits (all of <paramref name="text"/>) as a number.</summary>
    public static bool TryRead(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var b in text)
        {
            if (!Is(b))
            {
                return false;
            }

            value = value * 10 + (b - '0');
        }

        return !text.IsEmpty;
    }
}
