namespace Syslogintr.Alerts;

/// <summary>
/// A single node's alert store: the book in the state file, synchronously (tasks complete at once). Unsent mails
/// are not its business: the mailer's own durable outbox keeps them. A file that cannot be written is logged and
/// alerting goes on from memory, as mails must not wait for a full disk.
/// </summary>
public sealed class AlertStateFileStore(string path, Action<Exception, string> error) : IAlertStore
{
    private readonly AlertStateFile file = new(path);

    public string Name => file.Path;

    public Task<AlertRecord> LoadAsync(Action<string> warn) => Task.FromResult(new AlertRecord(file.Load(warn), []));

    public Task SaveAsync(AlertRecord record)
    {
        try
        {
            file.Save(record.Book);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep alerting from memory and try again at the next change; only a restart would repeat mails.
            error(e, $"cannot save alert state to {file.Path}");
        }

        return Task.CompletedTask;
    }
}
