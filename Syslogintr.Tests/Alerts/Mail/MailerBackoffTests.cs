using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Syslogintr.Alerts.Mail;
using Syslogintr.Metrics;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Alerts.Mail;

/// <summary>
/// Retry timing on Akka's virtual scheduler: the test advances time instead of sleeping through the backoff,
/// so the count of attempts no longer depends on how busy the machine is. The mail server stays a real socket.
/// </summary>
public sealed class MailerBackoffTests() : TestKit(VirtualTime.Config), IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private readonly TempDirectory temp = new();
    private int attempts;

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private string OutboxDir => temp.File("outbox");

    private string[] OutboxFiles() => Directory.Exists(OutboxDir) ? Directory.GetFiles(OutboxDir, "*.eml") : [];

    private (IActorRef Mailer, TestProbe Warnings) Start(int port, string extra = "")
    {
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings, typeof(Warning));
        var settings = MailerActorTests.SettingsFor(OutboxDir, port, extra);
        return (Sys.ActorOf(MailerActor.Props(settings, TimeProvider.System, MailTransportFactory.From(settings), new MailCounters())), warnings);
    }

    /// <summary>Waits for the failure of attempt <paramref name="attempt"/> and returns what the mailer said it will do next.</summary>
    private string Failed(int attempt, IActorRef mailer, TestProbe warnings)
    {
        var line = warnings.FishForMessage<Warning>(w => w.Message.ToString()!.Contains($"attempt {attempt} failed", StringComparison.Ordinal), TimeSpan.FromSeconds(10)).Message.ToString()!;

        // The retry timer starts in the same message that logs the warning: one round trip through the mailbox
        // makes sure it is scheduled before the test advances time.
        mailer.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
        Assert.Equal(attempt, Volatile.Read(ref attempts));
        return line;
    }

    /// <summary>Time a tick short of <paramref name="delay"/> starts no attempt; the last tick does.</summary>
    private void AdvanceExactly(TimeSpan delay, IActorRef mailer, TestProbe warnings)
    {
        var before = Volatile.Read(ref attempts);
        Scheduler.Advance(delay - Tick);
        mailer.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
        warnings.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(before, Volatile.Read(ref attempts));
        Scheduler.Advance(Tick);
    }

    [Fact]
    public void A_server_that_fails_is_retried_with_growing_backoff_and_the_mail_arrives_once_it_works()
    {
        var port = TestSmtpServer.FreeTcpPort();
        IActorRef mailer;
        using (new MailerActorTests.BrokenServer(port, () => Interlocked.Increment(ref attempts)))
        {
            (mailer, var warnings) = Start(port);
            mailer.Tell(MailerActorTests.Mail("patience"));

            // Backoff 100, 200, 400, 800 ms, then the 1 s cap: a handful of attempts, not hundreds.
            Assert.EndsWith($"retry in {TimeSpan.FromMilliseconds(100)}", Failed(1, mailer, warnings));
            AdvanceExactly(TimeSpan.FromMilliseconds(100), mailer, warnings);
            var expected = new[] { 200, 400, 800, 1000, 1000 }.Select(ms => TimeSpan.FromMilliseconds(ms)).ToList();
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.EndsWith($"retry in {expected[i]}", Failed(i + 2, mailer, warnings));
                if (i < expected.Count - 1)
                {
                    Scheduler.Advance(expected[i]);
                }
            }
        }

        Assert.Single(OutboxFiles());
        using var server = new TestSmtpServer(port);
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        AwaitCondition(() => server.Accepted.Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal("patience", server.Accepted.Single().Subject);
        AwaitCondition(() => OutboxFiles().Length == 0);
    }

    [Fact]
    public void After_breaker_failures_in_a_row_the_circuit_opens_for_breaker_reset()
    {
        var port = TestSmtpServer.FreeTcpPort();
        using var broken = new MailerActorTests.BrokenServer(port, () => Interlocked.Increment(ref attempts));
        var (mailer, warnings) = Start(port, "retry { min-backoff = 100ms, breaker-failures = 2, breaker-reset = 2s }");
        mailer.Tell(MailerActorTests.Mail("circuit"));

        Assert.EndsWith($"retry in {TimeSpan.FromMilliseconds(100)}", Failed(1, mailer, warnings));
        Scheduler.Advance(TimeSpan.FromMilliseconds(100));
        Assert.EndsWith($"circuit open, next try in {TimeSpan.FromSeconds(2)}", Failed(2, mailer, warnings));
        AdvanceExactly(TimeSpan.FromSeconds(2), mailer, warnings);
        Failed(3, mailer, warnings);
    }

    public new void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
