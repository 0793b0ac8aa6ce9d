using Akka.Configuration;
using MailKit.Security;
using MimeKit;
using Syslogintr.Hosting;

namespace Syslogintr.Alerts.Mail;

/// <summary>The <c>syslogintr.mail</c> section.</summary>
public sealed record MailSettings(
    string Transport,
    SmtpSettings Smtp,
    IReadOnlyList<string> SendmailArgv,
    TimeSpan SendmailTimeout,
    string From,
    IReadOnlyList<string> To,
    string Outbox,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff,
    int BreakerFailures,
    TimeSpan BreakerReset)
{
    public static MailSettings Parse(Config config)
    {
        var c = new SettingsReader(config).Section("syslogintr.mail");
        var transport = c.String("transport");
        if (transport is not ("smtp" or "sendmail"))
        {
            throw new ConfigurationException($"syslogintr.mail.transport must be smtp or sendmail, not '{transport}'");
        }

        var to = c.StringOrList("to");
        var argv = c.Strings("sendmail.argv");
        if (argv.Count == 0 || to.Count == 0)
        {
            throw new ConfigurationException("syslogintr.mail: 'to' and 'sendmail.argv' must not be empty");
        }

        var from = c.String("from");
        foreach (var address in to.Prepend(from).Where(a => !MailboxAddress.TryParse(a, out _)))
        {
            throw new ConfigurationException($"syslogintr.mail: '{address}' is not a mail address");
        }

        return new MailSettings(
            transport,
            SmtpSettings.Parse(c.Section("smtp")),
            argv,
            c.Duration("sendmail.timeout"),
            from,
            to,
            c.String("outbox"),
            c.Duration("retry.min-backoff"),
            c.Duration("retry.max-backoff"),
            c.Int("retry.breaker-failures"),
            c.Duration("retry.breaker-reset"));
    }
}

/// <summary>The <c>syslogintr.mail.smtp</c> section.</summary>
/// <param name="Timeout">Deadline of the connection (and TLS handshake) and of each SMTP command.</param>
/// <param name="KeepAlive">How often an idle connection is kept open with NOOP; zero: disconnect after each mail.</param>
public sealed record SmtpSettings(string Host, int Port, SecureSocketOptions Security, TimeSpan Timeout, string? User, string? Password, TimeSpan KeepAlive)
{
    /// <summary>SMTP's own port; with <c>security = ssl</c>, the submissions port (RFC 8314).</summary>
    private const int SmtpPort = 25;
    private const int SubmissionsPort = 465;

    /// <param name="c">The <c>syslogintr.mail.smtp</c> section. <c>port</c> has no default in the file: it follows <c>security</c>.</param>
    public static SmtpSettings Parse(SettingsReader c)
    {
        var security = c.String("security") switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "ssl" => SecureSocketOptions.SslOnConnect,
            var other => throw new ConfigurationException($"syslogintr.mail.smtp.security must be none, starttls or ssl, not '{other}'"),
        };
        var user = c.Optional("user");
        return new SmtpSettings(
            c.String("host"),
            c.Has("port") ? c.Int("port", 1, 65535) : security == SecureSocketOptions.SslOnConnect ? SubmissionsPort : SmtpPort,
            security,
            c.Duration("timeout"),
            user,
            user is null ? null : c.Secret("syslogintr.mail.smtp"),
            c.Duration("keep-alive"));
    }
}
