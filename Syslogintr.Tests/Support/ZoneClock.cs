namespace Syslogintr.Tests.Support;

/// <summary>The system clock in another time zone: what <c>TZ</c> would make it in a process of its own.</summary>
internal sealed class ZoneClock(TimeZoneInfo zone) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => zone;
}
