namespace Syslogintr.Tests.Ingest;

/// <summary>A clock that stands still at a chosen instant, in a chosen zone.</summary>
internal sealed class FixedClock(DateTimeOffset now, TimeZoneInfo zone) : TimeProvider
{
    /// <summary>2026-11-29 03:40 in a fixed UTC+01:00 zone, the instant most tests are read at.</summary>
    public static readonly FixedClock Default = new(new DateTimeOffset(2026, 11, 29, 3, 40, 0, TimeSpan.FromHours(1)), Zone(1));

    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => zone;

    public static TimeZoneInfo Zone(int hours) =>
        TimeZoneInfo.CreateCustomTimeZone($"Fixed{hours:+0;-0}", TimeSpan.FromHours(hours), $"UTC{hours:+0;-0}", $"UTC{hours:+0;-0}");

    /// <summary>A clock at the given wall-clock time in a fixed zone.</summary>
    public static FixedClock At(int year, int month, int day, int hour, int minute, int second, int zoneHours = 1) =>
        new(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromHours(zoneHours)), Zone(zoneHours));
}
