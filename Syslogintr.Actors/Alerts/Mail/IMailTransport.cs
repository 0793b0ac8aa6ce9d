using MimeKit;

namespace Syslogintr.Alerts.Mail;

/// <summary>
/// Hands one mail to a mail server or program. Used by one actor only, one call at a time. Throws
/// <see cref="PermanentMailFailure"/> when the mail will never be accepted (retrying is pointless), anything else
/// when a later attempt may succeed.
/// </summary>
public interface IMailTransport : IDisposable
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps an idle connection open (NOOP), or closes it when the server dropped it; a no-op for transports without
    /// one. True while a connection stays open (the mailer keeps it alive only then).
    /// </summary>
    Task<bool> KeepAliveAsync(CancellationToken cancellationToken);

    /// <summary>Drops whatever is in flight (the actor's deadline passed); the next send starts afresh.</summary>
    void Abort();
}

/// <summary>The server or program refused this mail for good (5xx, unknown recipient).</summary>
public sealed class PermanentMailFailure(string message, Exception? inner = null) : Exception(message, inner);
