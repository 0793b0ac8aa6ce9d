using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using MimeKit;
using Syslogintr.Alerts.Mail;
using Syslogintr.Metrics;

namespace Syslogintr.Tests.Alerts.Mail;

public sealed class MailerActorTests : TestKit, IDisposable
{
    private readonly TempDirectory temp = new();

    private string OutboxDir => temp.File("outbox");

    private MailSettings Settings(int port, string extra = "") => SettingsFor(OutboxDir, port, extra);

    internal static MailSettings SettingsFor(string outboxDir, int port, string extra = "") => MailSettings.Parse(ConfigurationFactory.ParseString($$"""
        syslogintr.mail {
          smtp { host = "127.0.0.1", port = {{port}}, timeout = 2s }
          from = "syslogintr@localhost"
          to = ["root@localhost", "ops@localhost"]
          outbox = "{{outboxDir}}"
          retry { min-backoff = 100ms, max-backoff = 1s, breaker-failures = 100, breaker-reset = 1s }
          {{extra}}
        }
        """));

    private readonly MailCounters counters = new();

    private IActorRef StartMailer(MailSettings settings) =>
        Sys.ActorOf(MailerActor.Props(settings, TimeProvider.System, MailTransportFactory.From(settings), counters));

    internal static MailRequested Mail(string subject) => new(subject, $"body of {subject}", DateTimeOffset.UtcNow);

    private string[] OutboxFiles() => Directory.Exists(OutboxDir) ? Directory.GetFiles(OutboxDir, "*.eml") : [];

    [Fact]
    public void Mails_go_out_over_one_reused_connection_and_leave_the_outbox()
    {
        using var server = new TestSmtpServer();
        var mailer = StartMailer(Settings(server.Port));

        mailer.Tell(Mail("one"));
        mailer.Tell(Mail("two"));
        mailer.Tell(Mail("three"));

        AwaitCondition(() => server.Accepted.Count == 3, TimeSpan.FromSeconds(10));
        Assert.Equal(["one", "two", "three"], server.Accepted.Select(m => m.Subject));
        var first = server.Accepted.First();
        Assert.Equal("syslogintr@localhost", first.From.Mailboxes.Single().Address);
        Assert.Equal(["root@localhost", "ops@localhost"], first.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("auto-generated", first.Headers["Auto-Submitted"]);
        Assert.Equal(1, server.Sessions);
        AwaitCondition(() => OutboxFiles().Length == 0);
        AwaitCondition(() => counters.Sent == 3);
        Assert.Equal((0, 0, 0), (counters.Queued, counters.Failed, counters.Rejected));
    }

    [Fact]
    public void An_idle_connection_gets_a_NOOP_every_keep_alive_and_takes_the_next_mail_and_without_one_nothing_is_sent()
    {
        using var server = new TestSmtpServer();
        var mailer = StartMailer(Settings(server.Port, "smtp.keep-alive = 200ms"));

        // Before any mail there is no connection to keep: nothing reaches the server.
        Thread.Sleep(700);
        Assert.Equal((0, 0), (server.Sessions, server.Noops));

        mailer.Tell(Mail("one"));
        AwaitCondition(() => server.Noops >= 2, TimeSpan.FromSeconds(10));
        mailer.Tell(Mail("two"));
        AwaitCondition(() => server.Accepted.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(1, server.Sessions);
    }

    [Fact]
    public void Mails_left_in_the_outbox_by_a_crash_are_sent_at_start_in_order()
    {
        using var server = new TestSmtpServer();
        var outbox = new Outbox(OutboxDir);
        foreach (var subject in new[] { "left 1", "left 2" })
        {
            var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "x" } };
            message.From.Add(MailboxAddress.Parse("syslogintr@localhost"));
            message.To.Add(MailboxAddress.Parse("root@localhost"));
            outbox.Write(message, DateTimeOffset.UtcNow);
        }

        StartMailer(Settings(server.Port));

        AwaitCondition(() => server.Accepted.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(["left 1", "left 2"], server.Accepted.Select(m => m.Subject));
        AwaitCondition(() => OutboxFiles().Length == 0);
    }

    [Fact]
    public void A_mail_refused_for_good_is_moved_aside_with_the_reason()
    {
        using var server = new TestSmtpServer();
        var mailer = StartMailer(Settings(server.Port, "to = \"nobody@localhost\""));
        mailer.Tell(Mail("undeliverable"));

        var rejected = Path.Combine(OutboxDir, "rejected");
        AwaitCondition(() => Directory.Exists(rejected) && Directory.GetFiles(rejected, "*.reason").Length == 1, TimeSpan.FromSeconds(10));
        Assert.Contains("550", File.ReadAllText(Directory.GetFiles(rejected, "*.reason").Single()));
        Assert.Single(Directory.GetFiles(rejected, "*.eml"));
        Assert.Empty(OutboxFiles());
        Assert.Empty(server.Accepted);
        Assert.Equal((1, 0, 0, 0), (counters.Rejected, counters.Sent, counters.Failed, counters.Queued));
    }

    [Fact]
    public void A_server_that_hangs_after_DATA_is_abandoned_at_the_deadline_and_the_mail_is_retried()
    {
        using var server = new TestSmtpServer();
        var calls = 0;
        server.BeforeAnswer = ct => Interlocked.Increment(ref calls) == 1 ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask;
        // 2 s, not less: the retry (a new connection, MailKit's first use in a busy test run) must fit in it too, or
        // it is a second failure (seen at 500 ms).
        var mailer = StartMailer(Settings(server.Port, "smtp.timeout = 2s"));
        var started = DateTime.UtcNow;
        mailer.Tell(Mail("hung once"));

        AwaitCondition(() => server.Accepted.Count == 1, TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8), $"took {DateTime.UtcNow - started}");
        Assert.Equal(2, server.DataReceived);
        AwaitCondition(() => OutboxFiles().Length == 0);
        AwaitCondition(() => counters.Sent == 1);
        Assert.Equal((1, 0, 0), (counters.Failed, counters.Rejected, counters.Queued));
    }

    [Fact]
    public void A_mail_the_outbox_cannot_store_is_still_sent_from_memory()
    {
        using var server = new TestSmtpServer();
        File.WriteAllText(temp.File("not-a-folder"), "");
        var mailer = StartMailer(Settings(server.Port, $"outbox = \"{temp.File("not-a-folder")}/outbox\""));
        mailer.Tell(Mail("disk full"));

        AwaitCondition(() => server.Accepted.Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal("disk full", server.Accepted.Single().Subject);
    }

    [Fact]
    public void The_sendmail_transport_pipes_the_mail_into_the_program()
    {
        var copy = temp.File("piped.eml");
        var mailer = StartMailer(Settings(25, $$"""transport = sendmail, sendmail.argv = ["/bin/sh", "-c", "cat > {{copy}}"]"""));
        mailer.Tell(Mail("through sendmail"));

        AwaitCondition(() => OutboxFiles().Length == 0 && File.Exists(copy), TimeSpan.FromSeconds(10));
        var message = MimeMessage.Load(copy);
        Assert.Equal("through sendmail", message.Subject);
        Assert.Equal(["root@localhost", "ops@localhost"], message.To.Mailboxes.Select(m => m.Address));
    }

    [Fact]
    public void A_hung_sendmail_is_killed_at_its_timeout_and_retried()
    {
        var pids = temp.File("pids");
        var mailer = StartMailer(Settings(25, $$"""transport = sendmail, sendmail.timeout = 500ms, sendmail.argv = ["/bin/sh", "-c", "echo $$ >> {{pids}}; exec sleep 30"]"""));
        mailer.Tell(Mail("stuck"));

        AwaitCondition(() => File.Exists(pids) && File.ReadAllLines(pids).Length >= 2, TimeSpan.FromSeconds(5));
        var first = File.ReadAllLines(pids)[0].Trim();
        AwaitCondition(() => !Directory.Exists($"/proc/{first}"), TimeSpan.FromSeconds(3));
        Assert.Single(OutboxFiles());
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }

    /// <summary>Accepts each connection and closes it at once: a mail server that is down but reachable, counting attempts.</summary>
    internal sealed class BrokenServer : IDisposable
    {
        private readonly TcpListener listener;
        private readonly Task loop;

        public BrokenServer(int port, Action onAttempt)
        {
            listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            loop = Task.Run(async () =>
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    onAttempt();
                }
            });
        }

        public void Dispose()
        {
            listener.Stop();
            _ = loop.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }
    }
}
