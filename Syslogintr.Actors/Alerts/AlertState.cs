using System.Text.Json;
using System.Text.Json.Serialization;
using Syslogintr.Ingest;

namespace Syslogintr.Alerts;

/// <summary>
/// An alert that is bad now. <see cref="NotifiedAt"/> is null until a mail about it was handed to the mailer;
/// <see cref="LastRaisedAt"/> is the latest time it was raised (again).
/// </summary>
public sealed record ActiveAlert(string Key, string Subject, string Body, Severity Severity, string Source, DateTimeOffset RaisedAt, DateTimeOffset? NotifiedAt, DateTimeOffset? LastRaisedAt = null);

public enum NoticeKind
{
    /// <summary>Went bad; not mailed yet.</summary>
    Raised,

    /// <summary>Still bad, <c>repeat</c> after the last mail about it.</summary>
    Reminder,

    /// <summary>Was mailed as bad and is now cleared.</summary>
    Recovered,

    /// <summary>Went bad and cleared again before any mail about it went out.</summary>
    Flapped,

    /// <summary>A rule's alert (rules cannot clear) not raised again for <c>resolve-timeout</c>.</summary>
    Expired,
}

/// <summary>One line of the next mail.</summary>
public sealed record Notice(NoticeKind Kind, ActiveAlert Alert, DateTimeOffset At);

/// <summary>Everything the alert book must not forget across a restart.</summary>
public sealed record AlertSnapshot(
    IReadOnlyList<ActiveAlert> Active,
    IReadOnlyList<Notice> Pending,
    IReadOnlyList<DateTimeOffset> MailsSentLastHour,
    DateTimeOffset? HeldSince)
{
    public static readonly AlertSnapshot Empty = new([], [], [], null);
}

/// <summary>
/// The alert state file: JSON, replaced atomically (write a temporary file, fsync, rename), so a crash leaves the
/// old or the new state, never half of one.
/// </summary>
public sealed class AlertStateFile(string path)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public string Path { get; } = path;

    /// <summary>The saved state; empty when there is none. A file that cannot be read is moved aside (<c>.corrupt</c>) and reported.</summary>
    public AlertSnapshot Load(Action<string> warn)
    {
        if (!File.Exists(Path))
        {
            return AlertSnapshot.Empty;
        }

        try
        {
            return JsonSerializer.Deserialize<AlertSnapshot>(File.ReadAllText(Path), Json) ?? AlertSnapshot.Empty;
        }
        catch (JsonException e)
        {
            var aside = Path + ".corrupt";
            File.Move(Path, aside, overwrite: true);
            warn($"alert state {Path} unreadable ({e.Message}); moved to {aside}, starting with no active alerts");
            return AlertSnapshot.Empty;
        }
    }

    public void Save(AlertSnapshot snapshot)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        var temp = Path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, snapshot, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }
}
