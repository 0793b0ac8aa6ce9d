using System.Globalization;
using MimeKit;

namespace Syslogintr.Alerts.Mail;

/// <summary>
/// The durable outbox: one <c>.eml</c> file per mail, written (temporary file, fsync, rename) before the first
/// attempt to send it and deleted once a server accepted it, so a crash or a reboot loses no mail and resends at
/// most the one in flight. Mails a server rejected for good are moved to <c>rejected/</c> with a <c>.reason</c> file.
/// </summary>
public sealed class Outbox
{
    private readonly string directory;
    private readonly string rejected;
    private long sequence;

    public Outbox(string directory)
    {
        this.directory = Path.GetFullPath(directory);
        rejected = Path.Combine(this.directory, "rejected");
    }

    /// <summary>Ids of the mails waiting, oldest first (ids sort by the time they were written).</summary>
    public IReadOnlyList<string> Pending() =>
        Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*.eml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Stores the mail durably and returns its id.</summary>
    public string Write(MimeMessage message, DateTimeOffset at)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyyMMdd'T'HHmmssfff}-{++sequence:D6}-{Guid.NewGuid():N}");
        // Created at the first mail, so a node that never mails leaves no folder behind.
        Directory.CreateDirectory(directory);
        var file = PathOf(id);
        var temp = file + ".tmp";
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            message.WriteTo(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file);
        return id;
    }

    public MimeMessage Read(string id) => MimeMessage.Load(PathOf(id));

    /// <summary>The server accepted it.</summary>
    public void Remove(string id) => File.Delete(PathOf(id));

    /// <summary>A server rejected it for good: keep it, with the reason, out of the queue.</summary>
    public string MoveAside(string id, string reason)
    {
        Directory.CreateDirectory(rejected);
        var target = Path.Combine(rejected, id + ".eml");
        File.Move(PathOf(id), target, overwrite: true);
        File.WriteAllText(Path.Combine(rejected, id + ".reason"), reason + "\n");
        return target;
    }

    private string PathOf(string id) => Path.Combine(directory, id + ".eml");
}
