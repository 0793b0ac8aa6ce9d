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
        var c = config.HasPath("syslogintr.mail") ? config.GetConfig("syslogintr.mail") : Config.Empty;
        var transport = c.GetString("transport", "smtp");
        if (transport is not ("smtp" or "sendmail"))
        {
            throw new ConfigurationException($"syslogintr.mail.transport must be smtp or sendmail, not '{transport}'");
        }

        var to = c.HasPath("to")
            ? (c.GetValue("to").IsArray() ? c.GetStringList("to").ToList() : [c.GetString("to")])
            : ["root@localhost"];
        var argv = c.HasPath("sendmail.argv") ? c.GetStringList("sendmail.argv").ToList() : ["/usr/sbin/sendmail", "-t", "-i"];
        if (argv.Count == 0 || to.Count == 0)
        {
            throw new ConfigurationException("syslogintr.mail: 'to' and 'sendmail.argv' must not be empty");
        }

        var from = c.GetString("from", "syslogintr@localhost");
        foreach (var address in to.Prepend(from).Where(a => !MailboxAddress.TryParse(a, out _)))
        {
            throw new ConfigurationException($"syslogintr.mail: '{address}' is not a mail address");
        }

        return new MailSettings(
            transport,
            SmtpSettings.Parse(c.HasPath("smtp") ? c.GetConfig("smtp") : Config.Empty),
            argv,
            c.GetTimeSpan("sendmail.timeout", TimeSpan.FromSeconds(30)),
            from,
            to,
            c.GetString("outbox", "./var/spool/outbox"),
            c.GetTimeSpan("retry.min-backoff", TimeSpan.FromSeconds(1)),
            c.GetTimeSpan("retry.max-backoff", TimeSpan.FromMinutes(5)),
            c.GetInt("retry.breaker-failures", 5),
            c.GetTimeSpan("retry.breaker-reset", TimeSpan.FromMinutes(5)));
    }
}

/// <summary>The <c>syslogintr.mail.smtp</c> section.</summary>
/// <param name="Timeout">Deadline of the connection (and TLS handshake) and of each SMTP command.</param>
/// <param name="KeepAlive">How often an idle connection is kept open with NOOP; zero: disconnect after each mail.</param>
public sealed record SmtpSettings(string Host, int Port, SecureSocketOptions Security, TimeSpan Timeout, string? User, string? Password, TimeSpan KeepAlive)
{
    public static SmtpSettings Parse(Config c)
    {
        var security = c.GetString("security", "none") switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "ssl" => SecureSocketOptions.SslOnConnect,
            var other => throw new ConfigurationException($"syslogintr.mail.smtp.security must be none, starttls or ssl, not '{other}'"),
        };
        var user = c.GetString("user", null);
        return new SmtpSettings(
            c.GetString("host", "127.0.0.1"),
            c.GetInt("port", security == SecureSocketOptions.SslOnConnect ? 465 : 25),
            security,
            c.GetTimeSpan("timeout", TimeSpan.FromMinutes(2)),
            string.IsNullOrEmpty(user) ? null : user,
            string.IsNullOrEmpty(user) ? null : Secrets.Read(c, "syslogintr.mail.smtp"),
            c.GetTimeSpan("keep-alive", TimeSpan.FromMinutes(1)));
    }
}
