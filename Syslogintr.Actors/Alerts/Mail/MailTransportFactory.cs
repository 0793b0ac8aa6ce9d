namespace Syslogintr.Alerts.Mail;

/// <summary>
/// How the mailer reaches a mail server or program, chosen once at start from <c>syslogintr.mail</c>.
/// <paramref name="Create"/> makes the transport the mailer alone owns; <paramref name="AttemptTimeout"/> is the
/// deadline of one attempt; <paramref name="KeepAlive"/> how often an idle connection is kept open (zero: never).
/// </summary>
public sealed record MailTransportFactory(Func<IMailTransport> Create, TimeSpan AttemptTimeout, TimeSpan KeepAlive)
{
    /// <summary>SMTP: connect, TLS, authentication and the mail's commands each have the SMTP timeout, so one attempt gets three.</summary>
    public static MailTransportFactory From(MailSettings settings) => settings.Transport == "sendmail"
        ? new(() => new SendmailTransport(settings.SendmailArgv), settings.SendmailTimeout, TimeSpan.Zero)
        : new(() => new SmtpTransport(settings.Smtp), settings.Smtp.Timeout * 3, settings.Smtp.KeepAlive);
}
