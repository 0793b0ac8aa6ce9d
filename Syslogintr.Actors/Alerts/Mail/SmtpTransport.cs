using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Syslogintr.Alerts.Mail;

/// <summary>
/// SMTP through one MailKit <see cref="SmtpClient"/>, reused across mails (connecting and authenticating per mail
/// costs seconds). Not thread-safe, like the client: the mailer actor is its only user. The connect is wrapped in
/// our own deadline because <c>ConnectAsync</c> has been seen to ignore its token. After a failed attempt the actor
/// calls <see cref="Abort"/>, which replaces the client, so a half-dead connection is never reused.
/// </summary>
public sealed class SmtpTransport(SmtpSettings settings) : IMailTransport
{
    private SmtpClient client = NewClient(settings);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        // This attempt's client: Abort may swap the field while a timed-out attempt is still unwinding.
        var current = client;
        try
        {
            await EnsureConnectedAsync(current, cancellationToken);
            await current.SendAsync(message, cancellationToken);
            if (settings.KeepAlive <= TimeSpan.Zero)
            {
                await current.DisconnectAsync(quit: true, cancellationToken);
            }
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500 && e.ErrorCode != SmtpErrorCode.UnexpectedStatusCode)
        {
            // The client has sent RSET; the connection stays usable for the next mail.
            throw new PermanentMailFailure($"{settings.Host}:{settings.Port} refused the mail: {(int)e.StatusCode} {e.Message}", e);
        }
    }

    public async Task<bool> KeepAliveAsync(CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return false;
        }

        try
        {
            await client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is ServiceNotConnectedException or SmtpProtocolException or SmtpCommandException or IOException)
        {
            // The server dropped the idle session: reconnect at the next mail.
            await client.DisconnectAsync(quit: false, CancellationToken.None);
            return false;
        }
    }

    public void Abort()
    {
        var old = client;
        client = NewClient(settings);
        // Disposing closes the socket, which ends any operation still running on the old client.
        old.Dispose();
    }

    public void Dispose() => client.Dispose();

    private static SmtpClient NewClient(SmtpSettings settings) => new() { Timeout = (int)settings.Timeout.TotalMilliseconds };

    private async Task EnsureConnectedAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        if (client.IsConnected)
        {
            return;
        }

        await client.ConnectAsync(settings.Host, settings.Port, settings.Security, cancellationToken)
            .WaitAsync(settings.Timeout, cancellationToken);
        if (settings.User is not null)
        {
            await client.AuthenticateAsync(settings.User, settings.Password ?? "", cancellationToken);
        }
    }
}
