namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// What RFC 3164 timestamps need from the clock: the sender's local time zone offset (assumed to be ours) and the
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
    private long nowHour = long.MinValue;
    private TimeSpan nowOffset;

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

    /// <summary>The wall-clock time now, in our zone.</summary>
    public DateTime Now()
    {
        var utc = clock.GetUtcNow().UtcDateTime;
        var hour = utc.Ticks / TimeSpan.TicksPerHour;
        if (hour != nowHour)
        {
            nowOffset = zone.GetUtcOffset(utc);
            nowHour = hour;
        }

        return DateTime.SpecifyKind(utc + nowOffset, DateTimeKind.Unspecified);
    }

    /// <summary>
    /// The year of a timestamp sent without one: this year, unless that puts it more than a month in the future
    /// (then last year) or more than eleven months in the past (then next year). False for a day that year lacks (Feb 29).
    /// </summary>
    public bool TryInferYear(int month, int day, TimeSpan timeOfDay, out int year)
    {
        var now = Now();
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
