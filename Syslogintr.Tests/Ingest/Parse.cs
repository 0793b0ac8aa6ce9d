using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Tests.Ingest;

/// <summary>Shorthands for the parser tests.</summary>
internal static class Parse
{
    public const string LocalHost = "thishost";

    public static readonly Origin Udp = new(Transport.Udp, "192.0.2.10", 40514, "0.0.0.0", 514, "udp");

    public static readonly Origin Unix = new(Transport.Unix, null, -1, "/dev/log", -1, "devlog");

    public static readonly DateTimeOffset ReceivedAt = FixedClock.Default.GetUtcNow();

    public static SyslogMessage Text(string text, Origin? origin = null, TimeProvider? clock = null) =>
        Bytes(Encoding.UTF8.GetBytes(text), origin, clock);

    /// <summary>Parses as a listener would: received now, by the given clock.</summary>
    public static SyslogMessage Bytes(byte[] raw, Origin? origin = null, TimeProvider? clock = null)
    {
        clock ??= FixedClock.Default;
        return new SyslogParser(clock, LocalHost).Parse(raw, origin ?? Udp, clock.GetUtcNow());
    }

    /// <summary>A wall-clock time in the test zone (UTC+01:00).</summary>
    public static DateTimeOffset Local(int year, int month, int day, int hour, int minute, int second) =>
        new(year, month, day, hour, minute, second, TimeSpan.FromHours(1));
}
