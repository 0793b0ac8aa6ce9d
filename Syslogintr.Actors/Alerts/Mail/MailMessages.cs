namespace Syslogintr.Alerts.Mail;

/// <summary>Send this mail to the configured recipients. The mailer writes it to the outbox before anything else.</summary>
public sealed record MailRequested(string Subject, string Body, DateTimeOffset At);
