using System.Text;
using Syslogintr.Ingest;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Random <see cref="SyslogMessage"/>s over every field and its edges, from a seed (so a failure can be replayed):
/// nulls and empty strings, control characters, non-ASCII and astral characters, repeated and reordered SD names,
/// huge and negative numbers, extreme times and offsets, raw bytes that contain the fields or are pure noise, long
/// messages, and origins and names that repeat from one message to the next as they do in a real batch.
/// </summary>
public sealed class RandomSyslogMessages(int seed)
{
    private static readonly string[] Alphabets =
    [
        "abcdefghijklmnopqrstuvwxyz0123456789-._:/[]=\" ",
        "\0\u0001\u0007\b\t\n\r\u001b\u007f\u0085\u2028",
        "äöüßéèçñøå€£µ",
        "日本語中文한국어Ωπ",
        "😀🚀𝄞👍🏽",
    ];

    private readonly Random random = new(seed);
    private readonly List<Origin> origins = [];
    private readonly List<string> names = [];

    public SyslogMessage Next()
    {
        var message = Text(random.Next(10) == 0 ? random.Next(2000, 20000) : random.Next(0, 300));
        var hostname = NameOrNull();
        var appName = NameOrNull();
        var timestamp = random.Next(4) == 0 ? (DateTimeOffset?)null : Time();
        return new SyslogMessage
        {
            Facility = (Facility)random.Next(24),
            Severity = (Severity)random.Next(8),
            HasPri = random.Next(2) == 0,
            Version = random.Next(4) == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(2),
            Timestamp = timestamp,
            TimestampPrecision = timestamp is null || random.Next(3) == 0 ? null : random.Next(7),
            TimestampZulu = random.Next(2) == 0,
            ReceivedAt = Time(),
            Hostname = hostname,
            AppName = appName,
            ProcId = NameOrNull(),
            MsgId = NameOrNull(),
            StructuredData = StructuredData(),
            StructuredDataText = random.Next(3) == 0 ? Text(random.Next(0, 60)) : null,
            Message = message,
            Raw = Raw(hostname, appName, message),
            Origin = Origin(),
            Format = (SyslogFormat)random.Next(3),
            ParseError = random.Next(3) == 0 ? Text(random.Next(0, 40)) : null,
            Truncated = random.Next(2) == 0,
            Generation = random.Next(4) == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(3),
            InjectedBy = random.Next(3) == 0 ? Name() : null,
        };
    }

    public List<SyslogMessage> Next(int count) => [.. Enumerable.Range(0, count).Select(_ => Next())];

    /// <summary>Any text of valid UTF-16 (an unpaired surrogate cannot survive UTF-8; see MessageCodecTests).</summary>
    public string Text(int length)
    {
        var text = new StringBuilder(length + 1);
        var alphabet = Alphabets[random.Next(Alphabets.Length)];
        while (text.Length < length)
        {
            if (random.Next(8) == 0)
            {
                alphabet = Alphabets[random.Next(Alphabets.Length)];
            }

            var at = random.Next(alphabet.Length);
            text.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.AsSpan(at, 2)
                : char.IsLowSurrogate(alphabet[at]) ? alphabet.AsSpan(at - 1, 2)
                : alphabet.AsSpan(at, 1));
        }

        return text.ToString();
    }

    private DateTimeOffset Time()
    {
        var offset = TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1));
        return random.Next(10) switch
        {
            0 => new DateTimeOffset(DateTime.MinValue.Ticks + Math.Max(0, offset.Ticks), offset),
            1 => new DateTimeOffset(DateTime.MaxValue.Ticks - Math.Max(0, -offset.Ticks), offset),
            _ => new DateTimeOffset(2026, 12, 1, 0, 0, 0, offset).AddTicks(random.NextInt64(-TimeSpan.TicksPerDay * 400, TimeSpan.TicksPerDay * 400)),
        };
    }

    /// <summary>A name; a third of the time one used before, as hosts and apps repeat in real traffic.</summary>
    private string Name()
    {
        if (names.Count > 0 && random.Next(3) == 0)
        {
            return names[random.Next(names.Count)];
        }

        var name = Text(random.Next(0, 24));
        names.Add(name);
        return name;
    }

    private string? NameOrNull() => random.Next(5) == 0 ? null : Name();

    private List<StructuredDataElement> StructuredData() =>
    [
        .. Enumerable.Range(0, random.Next(3) == 0 ? random.Next(1, 4) : 0).Select(_ => new StructuredDataElement(
            Name(),
            [.. Enumerable.Range(0, random.Next(5)).Select(_ => KeyValuePair.Create(Name(), Text(random.Next(0, 60))))])),
    ];

    /// <summary>Mostly a line containing the fields (as a parsed message's raw bytes do), else noise or nothing.</summary>
    private byte[] Raw(string? hostname, string? appName, string message) => random.Next(6) switch
    {
        0 => [],
        1 => RandomBytes(random.Next(20) == 0 ? random.Next(30000, 70000) : random.Next(1, 400)),
        _ => Encoding.UTF8.GetBytes($"<{random.Next(192)}>Dec  1 17:55:32 {hostname} {appName}[{random.Next(99999)}]: {message}"),
    };

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private Origin Origin()
    {
        if (origins.Count > 0 && random.Next(2) == 0)
        {
            return origins[random.Next(origins.Count)];
        }

        var origin = new Origin(
            (Transport)random.Next(5),
            random.Next(4) == 0 ? null : $"{random.Next(256)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}",
            random.Next(4) == 0 ? -1 : random.Next(65536),
            random.Next(2) == 0 ? "127.0.0.1" : "/run/syslogintr/" + Text(random.Next(0, 20)),
            random.Next(4) == 0 ? -1 : random.Next(65536),
            Name());
        origins.Add(origin);
        return origin;
    }
}
