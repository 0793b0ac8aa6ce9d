using Syslogintr.Alerts.Mail;
using Syslogintr.Cluster.Wire;

namespace Syslogintr.Alerts;

/// <summary>
/// Everything the alert owner must not forget: the book's state and the mails it decided on that no server has
/// accepted yet (<paramref name="Unsent"/>, oldest first).
/// </summary>
public sealed record AlertRecord(AlertSnapshot Book, IReadOnlyList<MailRequested> Unsent) : IClusterMessage
{
    public static readonly AlertRecord Empty = new(AlertSnapshot.Empty, []);
}

/// <summary>
/// Where the alert actor keeps its <see cref="AlertRecord"/>: the state file on a single node
/// (<see cref="AlertStateFileStore"/>), a majority of the ops nodes in a cluster
/// (<see cref="Replication.ReplicatedAlertStore"/>). The actor waits for <see cref="SaveAsync"/> before it hands a
/// mail to the mailer, and for <see cref="LoadAsync"/> before it handles anything.
/// </summary>
public interface IAlertStore
{
    /// <summary>Where the state is kept, for the log.</summary>
    string Name { get; }

    /// <param name="warn">Reports what was recovered from (a corrupt file, a majority that did not answer).</param>
    Task<AlertRecord> LoadAsync(Action<string> warn);

    /// <summary>Completes once the record is durable; a fault means it is not, and the actor saves again later.</summary>
    Task SaveAsync(AlertRecord record);
}
