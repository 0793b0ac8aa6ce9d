namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// What RFC 3164 timestamps need from the clock: its time zone, whose offset is assumed to be the sender's, and the
/// year the sender left out. Offsets are cached per hour because <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/>
/// is slow next to the rest of a parse and zones change offset on the hour.
/// </summary>
internal sealed class LocalClock(TimeProvider clock)
{
    /// <summary>A date further ahead than this is taken to be from last year (sent in December, read in January).</summary>
    private static readonly TimeSpan MaxFuture = TimeSpan.FromDays(31);

    /// <summary>A date further back than this is taken to be from next year (a sender whose clock is a bit ahead at New Year).</summary>
    private static readonly TimeSpan MaxPast = TimeSpan.FromDays(365) - MaxFuture;

    private readonly TimeZoneInfo zone = clock.LocalTimeZone;
    private long offsetHour = long.MinValue;
    private TimeSpan offset;
    private long instantHour = long.MinValue;
    private TimeSpan instantOffset;

    /// <summary>The offset of our zone at the given wall-clock time.</summary>
    public TimeSpan OffsetAt(DateTime local)
    {
        var hour = local.Ticks / TimeSpan.TicksPerHour;
        if (hour != offsetHour)
        {
            offset = zone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
            offsetHour = hour;
        }

        return offset;
    }

    /// <summary>The wall-clock time of an instant, in our zone.</summary>
    public DateTime ToLocal(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        var hour = utc.Ticks / TimeSpan.TicksPerHour;
        if (hour != instantHour)
        {
            instantOffset = zone.GetUtcOffset(utc);
            instantHour = hour;
        }

        return DateTime.SpecifyKind(utc + instantOffset, DateTimeKind.Unspecified);
    }

    /// <summary>
    /// The year of a timestamp sent without one: the year it was received in, unless that puts it more than a month
    /// after reception (then the year before) or more than eleven months before it (then the year after).
    /// Reception time, not the clock, is "now": the listener read the clock for it, and a message that waited in a
    /// queue keeps the year it was sent in. False for a day that year lacks (Feb 29).
    /// </summary>
    public bool TryInferYear(int month, int day, TimeSpan timeOfDay, DateTimeOffset receivedAt, out int year)
    {
        var now = ToLocal(receivedAt);
        year = now.Year;
        var candidate = new DateTime(year, month, Math.Min(day, DateTime.DaysInMonth(year, month))) + timeOfDay;
        if (candidate - now > MaxFuture)
        {
            year--;
        }
        else if (now - candidate > MaxPast)
        {
            year++;
        }

        return day <= DateTime.DaysInMonth(year, month);
    }
}
