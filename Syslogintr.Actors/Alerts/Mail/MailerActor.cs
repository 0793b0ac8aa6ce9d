using Akka.Actor;
using Akka.Event;
using MimeKit;
using Syslogintr.Metrics;

namespace Syslogintr.Alerts.Mail;

/// <summary>
/// Sends the outbox, one mail at a time, through one transport it alone owns. A mail is on disk before the first
/// attempt and leaves the outbox only when a server accepted it (or moved aside when refused for good). Failed
/// attempts are retried with exponential backoff; after <c>breaker-failures</c> failures in a row the circuit opens
/// and nothing is tried for <c>breaker-reset</c>. Every attempt has a deadline after which the transport is aborted.
/// Its diagnostics go to the node's log (Akka logging), never into our own syslog socket.
/// A mail that came with an id is answered with <see cref="MailDone"/> once it needs no more attempts. Without a
/// durable outbox (the alert owner of a cluster, which has every mail on a majority of nodes before it asks for
/// it) mails are kept in memory only, and nothing is resent at start: the owner hands over what is unsent.
/// </summary>
public sealed class MailerActor : ReceiveActor, IWithTimers
{
    private const string KeepAliveTimer = "keep-alive";

    private readonly TimeProvider clock;
    private MailSettings settings;
    private MailTransportFactory transports;

    // A reload changed the settings while a mail was being sent: the new transport is made before the next one.
    private bool transportOutdated;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Queue<string> queue = new();

    /// <summary>Mails the outbox could not store (disk full, permissions), or all mails without one: sent from memory.</summary>
    private readonly Dictionary<string, MimeMessage> unstored = [];

    /// <summary>Who asked for a mail that came with an id, and that id: told when the mail is done.</summary>
    private readonly Dictionary<string, (IActorRef By, string Id)> requested = [];
    private readonly bool durable;
    private readonly MailCounters counters;
    private Outbox? outbox;
    private IMailTransport transport = null!;
    private CancellationTokenSource? inFlight;
    private long attempt;
    private int failures;
    private bool waitingToRetry;

    public MailerActor(MailSettings settings, TimeProvider clock, MailTransportFactory transports, MailCounters counters, bool durable)
    {
        this.counters = counters;
        this.durable = durable;
        this.settings = settings;
        this.clock = clock;
        this.transports = transports;
        Receive<MailRequested>(OnRequested);
        Receive<MailSettingsChanged>(OnSettingsChanged);
        Receive<Attempted>(OnAttempted);
        Receive<AttemptDeadline>(d =>
        {
            if (d.Attempt != attempt || inFlight is null)
            {
                return;
            }

            if (d.Id.Length == 0)
            {
                // A NOOP that got no answer: the connection is dead, reconnect at the next mail.
                Done();
                transport.Abort();
                SendNext();
            }
            else
            {
                OnAttempted(new Attempted(d.Attempt, d.Id, new TimeoutException($"no answer within {transports.AttemptTimeout.TotalSeconds:0} s")));
            }
        });
        Receive<Retry>(_ =>
        {
            waitingToRetry = false;
            SendNext();
        });
        Receive<KeepAlive>(_ => OnKeepAlive());
        Receive<KeptAlive>(k =>
        {
            if (k.Attempt == attempt)
            {
                Done();
                if (!k.Open)
                {
                    Timers.Cancel(KeepAliveTimer);
                }

                SendNext();
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="durable">False: no outbox on disk; the requester keeps every mail until told <see cref="MailDone"/>.</param>
    public static Props Props(MailSettings settings, TimeProvider clock, MailTransportFactory transports, MailCounters counters, bool durable = true) =>
        Akka.Actor.Props.Create(() => new MailerActor(settings, clock, transports, counters, durable));

    protected override void PreStart()
    {
        outbox = durable ? new Outbox(settings.Outbox) : null;
        transport = transports.Create();
        foreach (var id in outbox?.Pending() ?? [])
        {
            queue.Enqueue(id);
        }

        counters.SetQueued(queue.Count);
        if (queue.Count > 0)
        {
            log.Info("mail outbox {0}: resending {1} mail(s) left from before", settings.Outbox, queue.Count);
        }

        SendNext();
    }

    protected override void PostStop()
    {
        // What is left stays in the outbox for the next start (or, in a cluster, with the alert owner): not queued here.
        counters.SetQueued(0);
        inFlight?.Cancel();
        transport.Dispose();
    }

    private void OnSettingsChanged(MailSettingsChanged changed)
    {
        settings = changed.Settings with { Outbox = settings.Outbox };
        transports = MailTransportFactory.From(settings);
        transportOutdated = true;
        // The next mail that leaves a connection open starts the new interval.
        Timers.Cancel(KeepAliveTimer);

        if (inFlight is null)
        {
            Renew();
            if (waitingToRetry)
            {
                // A server that failed may be the one just replaced: try the new settings now.
                Timers.Cancel("retry");
                waitingToRetry = false;
                failures = 0;
                SendNext();
            }
        }
    }

    private void Renew()
    {
        if (transportOutdated)
        {
            transportOutdated = false;
            transport.Dispose();
            transport = transports.Create();
        }
    }

    private void OnRequested(MailRequested request)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = request.Subject;
        message.Date = request.At;
        // RFC 3834: machine-generated, so vacation responders stay quiet.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain") { Text = request.Body };
        if (request.Id is not null)
        {
            message.MessageId = $"{request.Id}@syslogintr";
        }

        var id = Store(request, message);
        if (request.Id is not null)
        {
            requested[id] = (Sender, request.Id);
        }

        queue.Enqueue(id);
        counters.SetQueued(queue.Count);
        SendNext();
    }

    private string Store(MailRequested request, MimeMessage message)
    {
        if (outbox is null)
        {
            var id = $"mail-{request.Id ?? Guid.NewGuid().ToString("N")}";
            unstored[id] = message;
            return id;
        }

        try
        {
            return outbox.Write(message, clock.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var id = $"unstored-{unstored.Count}-{Guid.NewGuid():N}";
            unstored[id] = message;
            log.Error(e, "cannot write mail '{0}' to the outbox {1}; sending it from memory (lost if the node stops first)", request.Subject, settings.Outbox);
            return id;
        }
    }

    private void SendNext()
    {
        if (inFlight is not null || waitingToRetry || queue.Count == 0)
        {
            return;
        }

        Renew();
        var id = queue.Peek();
        MimeMessage message;
        try
        {
            message = unstored.GetValueOrDefault(id) ?? outbox!.Read(id);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            queue.Dequeue();
            counters.SetQueued(queue.Count);
            log.Error(e, "outbox entry {0} unreadable; left in {1}", id, settings.Outbox);
            SendNext();
            return;
        }

        var cancel = Start();
        var current = attempt;
        var sending = transport;
        Task.Run(() => sending.SendAsync(message, cancel.Token), cancel.Token)
            .ContinueWith(t => new Attempted(current, id, t.Exception?.GetBaseException() ?? (t.IsCanceled ? new OperationCanceledException() : null)), TaskScheduler.Default)
            .PipeTo(Self);
        Timers.StartSingleTimer("deadline", new AttemptDeadline(current, id), transports.AttemptTimeout);
    }

    private void OnAttempted(Attempted result)
    {
        if (result.Attempt != attempt || inFlight is null)
        {
            return;
        }

        Done();
        if (result.Error is not (null or PermanentMailFailure))
        {
            // Never reuse a connection in an unknown state; after a timeout this also really cancels the attempt
            // (the socket is closed) instead of waiting for the client to notice.
            transport.Abort();
        }

        switch (result.Error)
        {
            case null:
                Forget(result.Id);
                queue.Dequeue();
                failures = 0;
                // Out of the queue before it counts as sent, so a scrape never sees one mail both queued and sent.
                counters.SetQueued(queue.Count);
                counters.OnSent();
                log.Info("mail {0} accepted", result.Id);
                Report(result.Id, accepted: true);
                break;
            case PermanentMailFailure refused:
                queue.Dequeue();
                failures = 0;
                counters.SetQueued(queue.Count);
                counters.OnRejected();
                var aside = unstored.Remove(result.Id) ? "nowhere (it was never stored)" : outbox!.MoveAside(result.Id, refused.Message);
                log.Error("mail {0} refused for good, moved to {1}: {2}", result.Id, aside, refused.Message);
                Report(result.Id, accepted: false);
                break;
            default:
                failures++;
                counters.OnFailed();
                var delay = Backoff();
                log.Warning(
                    "mail {0}: attempt {1} failed ({2}); {3} in {4}",
                    result.Id,
                    failures,
                    result.Error.Message,
                    failures >= settings.BreakerFailures ? "circuit open, next try" : "retry",
                    delay);
                waitingToRetry = true;
                Timers.StartSingleTimer("retry", Retry.Instance, delay);
                return;
        }

        KeepConnectionAlive();
        SendNext();
    }

    /// <summary>
    /// The server answered, so the connection stays open (unless keep-alive is 0s): NOOP it while it is idle. Only
    /// then: a mailer that has no connection runs no timer for one.
    /// </summary>
    private void KeepConnectionAlive()
    {
        if (transports.KeepAlive > TimeSpan.Zero && !Timers.IsTimerActive(KeepAliveTimer))
        {
            Timers.StartPeriodicTimer(KeepAliveTimer, KeepAlive.Instance, transports.KeepAlive);
        }
    }

    private void Forget(string id)
    {
        if (!unstored.Remove(id))
        {
            outbox!.Remove(id);
        }
    }

    private void Report(string id, bool accepted)
    {
        if (requested.Remove(id, out var by))
        {
            by.By.Tell(new MailDone(by.Id, accepted));
        }
    }

    /// <summary>min-backoff doubled per failure up to max-backoff; breaker-reset once the circuit is open.</summary>
    private TimeSpan Backoff()
    {
        if (failures >= settings.BreakerFailures)
        {
            return settings.BreakerReset;
        }

        var ticks = settings.MinBackoff.Ticks * Math.Pow(2, failures - 1);
        return TimeSpan.FromTicks((long)Math.Min(ticks, settings.MaxBackoff.Ticks));
    }

    private void OnKeepAlive()
    {
        if (inFlight is not null || waitingToRetry)
        {
            return;
        }

        var cancel = Start();
        var current = attempt;
        transport.KeepAliveAsync(cancel.Token).ContinueWith(t => new KeptAlive(current, t.IsCompletedSuccessfully && t.Result), TaskScheduler.Default).PipeTo(Self);
        Timers.StartSingleTimer("deadline", new AttemptDeadline(current, ""), settings.Smtp.Timeout);
    }

    private CancellationTokenSource Start()
    {
        attempt++;
        inFlight = new CancellationTokenSource();
        return inFlight;
    }

    private void Done()
    {
        Timers.Cancel("deadline");
        inFlight?.Cancel();
        inFlight?.Dispose();
        inFlight = null;
    }

    private sealed record Attempted(long Attempt, string Id, Exception? Error);

    private sealed record AttemptDeadline(long Attempt, string Id);

    /// <param name="Open">The connection is still open (else the keep-alive stops until a mail opens one again).</param>
    private sealed record KeptAlive(long Attempt, bool Open);

    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    private sealed class KeepAlive
    {
        public static readonly KeepAlive Instance = new();
    }
}
