namespace Syslogintr.Alerts.Mail;

/// <summary>
/// Send this mail to the configured recipients. The mailer writes it to the outbox before anything else.
/// <paramref name="Id"/>, when set, names the mail to its requester (the mailer answers <see cref="MailDone"/>) and
/// becomes its Message-ID, so the one mail a failover may repeat is recognisable as the same mail.
/// </summary>
public sealed record MailRequested(string Subject, string Body, DateTimeOffset At, string? Id = null);

/// <summary>The mail <paramref name="Id"/> needs no more attempts: a server accepted it, or refused it for good.</summary>
public sealed record MailDone(string Id, bool Accepted);

/// <summary>A reload changed <c>syslogintr.mail</c>: the mailer keeps its queue and sends the next mail with these settings (the outbox stays where it was).</summary>
public sealed record MailSettingsChanged(MailSettings Settings);
