using Akka.Actor;
using Akka.Event;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Pipeline;

/// <summary>
/// Takes messages off the <see cref="IngestQueue"/> in batches and hands each consumer the messages its filter
/// accepts. It pulls (rather than being pushed to), so its mailbox stays small and the queue is the only buffer.
/// Each consumer has a credit of outstanding messages and of their bytes (<see cref="MessageBytes"/>: a consumer
/// behind on big messages holds as much memory as one behind on many small ones). One out of either credit either has its share dropped and counted
/// (<see cref="OnLag.Drop"/>) or stops the router pulling until it catches up (<see cref="OnLag.Backpressure"/>:
/// the queue fills, so TCP senders wait and datagrams are dropped and counted at the queue). A backpressure
/// consumer may hold the pipeline for at most <c>max-backpressure</c> at a stretch: then it is stalled (a hung disk),
/// and its share is dropped and counted (<see cref="DropReason.Stalled"/>) until it has caught up.
/// Every message routed to a consumer ends up delivered (acknowledged) or counted as dropped with a reason.
/// A consumer replaced (a live one under the same name subscribing again: a reload) or unsubscribed is retired:
/// it is routed nothing more, and keeps what it was handed until it acknowledges it, so a reload loses nothing.
/// </summary>
public sealed class RouterActor : ReceiveActor, IWithTimers
{
    private readonly IngestQueue queue;
    private readonly NodeMetrics metrics;
    private readonly int batchSize;
    private readonly TimeSpan maxBackpressure;
    private readonly long maxBytesInFlight;
    private readonly List<Consumer> consumers = [];

    // Consumers routed nothing more that still hold unacknowledged batches; each leaves once it acknowledged them or stopped.
    private readonly List<Consumer> retiring = [];
    private readonly ILoggingAdapter log = Context.GetLogger();

    // A wake-up (Readable) is scheduled: at most one at a time.
    private bool waiting;
    private bool shuttingDown;
    private bool gaveUp;
    private IActorRef? drainReplyTo;

    // Until ConsumersReady: what listeners read stays in the queue (bounded, its drops counted) for the rules still loading.
    private bool held;

    public RouterActor(IngestQueue queue, NodeMetrics metrics, int batchSize, TimeSpan maxBackpressure, bool heldUntilReady, long maxBytesInFlight)
    {
        this.maxBytesInFlight = maxBytesInFlight;
        this.queue = queue;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.maxBackpressure = maxBackpressure;
        held = heldUntilReady;

        Receive<Subscribe>(OnSubscribe);
        Receive<ConsumersReady>(_ =>
        {
            held = false;
            Pump();
        });
        Receive<Unsubscribe>(OnUnsubscribe);
        Receive<GetConsumers>(_ => Sender.Tell(new CurrentConsumers([.. consumers.Select(c => c.Name)])));
        Receive<Readable>(_ =>
        {
            waiting = false;
            Pump();
        });
        Receive<BatchDone>(_ => OnBatchDone(Sender));
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        Receive<Drain>(d =>
        {
            shuttingDown = true;
            drainReplyTo = Sender;
            Timers.StartSingleTimer("drain-deadline", DrainDeadline.Instance, d.Deadline);
            Pump();
        });
        Receive<DrainDeadline>(_ => GiveUpDraining());
        Receive<HeldTooLong>(h => Stall(h.Name));
    }

    /// <summary>The counters' name for messages that reached the router while no consumer was subscribed.</summary>
    public const string Unrouted = "(no consumer)";

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="heldUntilReady">
    /// Route nothing until <see cref="ConsumersReady"/>, for a node whose listeners read while its scripts load:
    /// otherwise what arrives meanwhile would be routed to the consumers subscribed so far (or dropped for want of one).
    /// </param>
    /// <param name="maxBytesInFlight">Each consumer's credit in bytes (<c>max-bytes-in-flight</c>), beside its credit in messages.</param>
    public static Props Props(IngestQueue queue, NodeMetrics metrics, int batchSize, TimeSpan maxBackpressure, bool heldUntilReady = false, long maxBytesInFlight = long.MaxValue) =>
        Akka.Actor.Props.Create(() => new RouterActor(queue, metrics, batchSize, maxBackpressure, heldUntilReady, maxBytesInFlight));

    /// <summary>
    /// What a message handed over holds in memory, roughly: its raw bytes, its text (UTF-16) and a fixed share for
    /// the record, its origin and its short header strings. The byte credit counts this, not an exact size.
    /// </summary>
    public static long MessageBytes(SyslogMessage m) => m.Raw.Length + (2L * m.Message.Length) + MessageOverheadBytes;

    private const int MessageOverheadBytes = 256;

    protected override void PreStart() => Pump();

    private void OnSubscribe(Subscribe s)
    {
        // A restarted rule worker subscribes again under its name: it takes over its predecessor's entry and counters.
        var existing = consumers.Find(c => c.Name == s.Name || s.Consumer.Equals(c.Ref));
        if (existing is null)
        {
            existing = new Consumer(s.Name, metrics.Consumer(s.Name), maxBytesInFlight);
            consumers.Add(existing);
        }
        else if (existing.Ref is { } previous && !previous.Equals(s.Consumer))
        {
            // Its successor (a reload's) takes over from the next batch; what the predecessor holds stays its own.
            // A predecessor that has died (a restart) is counted when its Terminated arrives, as it is watched.
            var successor = new Consumer(s.Name, existing.Counters, maxBytesInFlight);
            consumers[consumers.IndexOf(existing)] = successor;
            Retire(existing, null);
            existing = successor;
        }

        existing.Attach(s);
        Recover(existing);
        Context.Watch(s.Consumer);
        log.Debug("consumer {0} subscribed ({1} on lag)", s.Name, s.OnLag);
        Sender.Tell(new Subscribed(s.Name));
        Pump();
    }

    /// <summary>
    /// The consumer is routed nothing more; the asker is told <see cref="Unsubscribed"/> once it has acknowledged what
    /// it holds (or stopped). One that is abandoned (a tail viewer gone) will acknowledge nothing more: what it holds is
    /// counted as dropped (lagging: it never caught up with it), so its in-flight count does not stay up forever, and
    /// it leaves at once.
    /// </summary>
    private void OnUnsubscribe(Unsubscribe u)
    {
        var consumer = consumers.Find(c => u.Consumer.Equals(c.Ref)) ?? retiring.Find(c => u.Consumer.Equals(c.Ref));
        if (consumer is null)
        {
            Sender.Tell(new Unsubscribed(u.Consumer));
            return;
        }

        consumers.Remove(consumer);
        if (u.Abandon)
        {
            consumer.Abandon(DropReason.Lagging);
        }

        Retire(consumer, Sender);
        CheckDrained();
        Pump();
    }

    private void Retire(Consumer consumer, IActorRef? asker)
    {
        if (consumer.HoldTimed)
        {
            consumer.HoldTimed = false;
            Timers.Cancel(HeldTooLong.Key(consumer.Name));
        }

        if (asker is not null)
        {
            consumer.RetiredFor.Add(asker);
        }

        if (!retiring.Contains(consumer))
        {
            retiring.Add(consumer);
        }

        LeaveIfDone(consumer);
    }

    /// <summary>A retiring consumer that holds nothing any more (acknowledged, or stopped and counted) leaves; whoever unsubscribed it is told.</summary>
    private void LeaveIfDone(Consumer consumer)
    {
        if (consumer.InFlightMessages > 0 && consumer.Ref is not null)
        {
            return;
        }

        retiring.Remove(consumer);
        if (consumer.Ref is { } actor)
        {
            Context.Unwatch(actor);
        }

        log.Debug("consumer {0} retired", consumer.Name);
        foreach (var asker in consumer.RetiredFor)
        {
            asker.Tell(new Unsubscribed(consumer.Ref ?? ActorRefs.Nobody));
        }
    }

    private void OnBatchDone(IActorRef sender)
    {
        if (consumers.Find(c => sender.Equals(c.Ref)) is { } consumer)
        {
            consumer.Acknowledge();
            Recover(consumer);
        }
        else if (retiring.Find(c => sender.Equals(c.Ref)) is { } retired)
        {
            retired.Acknowledge();
            LeaveIfDone(retired);
        }

        CheckDrained();
        Pump();
    }

    /// <summary>
    /// A consumer stopped (a rule worker failing, its supervisor restarting it after a backoff): the batches it had
    /// not acknowledged went to dead letters, and until it subscribes again its share is dropped and counted.
    /// </summary>
    private void OnStopped(IActorRef actor)
    {
        if (retiring.Find(c => actor.Equals(c.Ref)) is { } retired)
        {
            var unacknowledged = retired.Abandon(shuttingDown ? DropReason.Shutdown : DropReason.Restarting);
            if (unacknowledged > 0)
            {
                log.Warning("consumer {0} stopped with {1} messages unacknowledged; counted as dropped", retired.Name, unacknowledged);
            }

            LeaveIfDone(retired);
            CheckDrained();
            Pump();
            return;
        }

        var consumer = consumers.Find(c => actor.Equals(c.Ref));
        if (consumer is null)
        {
            return;
        }

        var lost = consumer.Abandon(shuttingDown ? DropReason.Shutdown : DropReason.Restarting);
        consumer.Detach();
        Recover(consumer);
        if (lost > 0)
        {
            log.Warning("consumer {0} stopped with {1} messages unacknowledged; counted as dropped", consumer.Name, lost);
        }

        CheckDrained();
        Pump();
    }

    /// <summary>Routes what is queued now, a batch at a time, then waits for the queue to become readable again.</summary>
    private void Pump()
    {
        // A drain routes even while held: the node is stopping, and its consumers are whoever subscribed.
        if (gaveUp || (held && !shuttingDown))
        {
            return;
        }

        // Bound the work per actor message so Subscribe, BatchDone and Drain are not starved under load.
        for (var round = 0; round < 8 && !Backpressured(); round++)
        {
            var batch = new List<SyslogMessage>(Math.Min(batchSize, Math.Max(1, queue.Count)));
            while (batch.Count < batchSize && queue.Reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            if (batch.Count == 0)
            {
                break;
            }

            Route(batch);
        }

        if (Backpressured())
        {
            // Pulling resumes on the BatchDone (or Terminated) that gives the consumer credit again, or once it has
            // held the pipeline for max-backpressure.
            foreach (var c in consumers.Where(c => c.HoldsPipeline && !c.HoldTimed))
            {
                c.HoldTimed = true;
                Timers.StartSingleTimer(HeldTooLong.Key(c.Name), new HeldTooLong(c.Name), maxBackpressure);
            }

            return;
        }

        if (queue.Reader.Count > 0)
        {
            if (!waiting)
            {
                waiting = true;
                Self.Tell(Readable.Instance);
            }

            return;
        }

        if (queue.Reader.Completion.IsCompleted)
        {
            CheckDrained();
            return;
        }

        if (!waiting)
        {
            waiting = true;
            var self = Self;
            queue.Reader.WaitToReadAsync().AsTask().ContinueWith(
                _ => self.Tell(Readable.Instance),
                TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    /// <summary>A running consumer whose policy is backpressure is out of credit: take nothing more off the queue.</summary>
    private bool Backpressured() => consumers.Exists(c => c.HoldsPipeline);

    /// <summary>
    /// A backpressure consumer has been out of credit for max-backpressure without a break (a hung disk): from now
    /// on its share is dropped and counted (reason stalled) so the listeners and every other consumer move again.
    /// </summary>
    private void Stall(string name)
    {
        var consumer = consumers.Find(c => c.Name == name);
        if (gaveUp || consumer is not { HoldsPipeline: true })
        {
            return;
        }

        consumer.Stall();
        consumer.HoldTimed = false;
        log.Warning(
            "consumer {0} held the pipeline for {1} with {2} messages unacknowledged; its share is dropped (reason stalled) until it catches up",
            consumer.Name,
            maxBackpressure,
            consumer.InFlightMessages);
        Pump();
    }

    /// <summary>
    /// Called whenever a consumer's credit grows: a backpressure consumer with credit again no longer holds the
    /// pipeline (its clock stops); a stalled one that has caught up (at most half its credit outstanding, in messages
    /// and in bytes) is backpressured again.
    /// </summary>
    private void Recover(Consumer consumer)
    {
        if (consumer.HoldTimed && !consumer.HoldsPipeline)
        {
            consumer.HoldTimed = false;
            Timers.Cancel(HeldTooLong.Key(consumer.Name));
        }

        if (consumer.Stalled && consumer.InFlightMessages <= consumer.MaxInFlight / 2 && consumer.InFlightBytes <= consumer.MaxInFlightBytes / 2)
        {
            log.Warning(
                "consumer {0} caught up after {1} messages were dropped (reason stalled); it is backpressured again",
                consumer.Name,
                consumer.Unstall());
        }
    }

    private void Route(List<SyslogMessage> batch)
    {
        if (consumers.Count == 0)
        {
            // Nothing subscribed (yet, or any more): not lost silently, counted.
            metrics.Consumer(Unrouted).OnDropped(batch.Count, DropReason.NoConsumer);
            return;
        }

        foreach (var c in consumers)
        {
            var accepted = c.Filter.AcceptsEverything ? batch : batch.FindAll(c.Filter.Accepts);
            if (accepted.Count == 0)
            {
                continue;
            }

            if (c.Ref is null)
            {
                c.Counters.OnDropped(accepted.Count, DropReason.Restarting);
                continue;
            }

            if (c.Stalled)
            {
                // Nothing more until it has caught up: what it is handed now would only delay that.
                c.Counters.OnDropped(accepted.Count, DropReason.Stalled);
                continue;
            }

            // Hand over what the credit allows (at least one batch to an idle consumer, cut to its byte credit but
            // never to nothing), drop and count the rest. A backpressure consumer had credit left when this batch was
            // pulled: it gets all of it (at most one batch over its credit).
            var room = c.OnLag == OnLag.Backpressure
                ? accepted.Count
                : c.FitsByBytes(accepted, c.InFlightMessages == 0 ? accepted.Count : Math.Min(accepted.Count, c.MaxInFlight - c.InFlightMessages));
            if (room < accepted.Count)
            {
                c.Counters.OnDropped(accepted.Count - Math.Max(room, 0), DropReason.Lagging);
            }

            if (room <= 0)
            {
                continue;
            }

            var share = room == accepted.Count ? accepted : accepted.GetRange(0, room);
            c.Send(share);
        }
    }

    private void CheckDrained()
    {
        if (drainReplyTo is null || !queue.Reader.Completion.IsCompleted || consumers.Exists(c => c.InFlightMessages > 0) || retiring.Exists(c => c.InFlightMessages > 0))
        {
            return;
        }

        Timers.Cancel("drain-deadline");
        drainReplyTo.Tell(new Drained(0));
        drainReplyTo = null;
    }

    /// <summary>
    /// The drain deadline passed: what consumers have not acknowledged and what is still queued will not be
    /// delivered any more. Count it per consumer (reason shutdown) and stop routing.
    /// </summary>
    private void GiveUpDraining()
    {
        if (drainReplyTo is null)
        {
            return;
        }

        gaveUp = true;
        var dropped = consumers.Concat(retiring).Sum(c => (long)c.Abandon(DropReason.Shutdown));
        while (queue.Reader.TryRead(out var message))
        {
            var routed = false;
            foreach (var c in consumers.Where(c => c.Filter.Accepts(message)))
            {
                c.Counters.OnDropped(1, DropReason.Shutdown);
                dropped++;
                routed = true;
            }

            if (!routed)
            {
                metrics.Consumer(Unrouted).OnDropped(1, DropReason.Shutdown);
            }
        }

        drainReplyTo.Tell(new Drained(dropped));
        drainReplyTo = null;
    }

    private sealed class Consumer(string name, ConsumerCounters counters, long maxInFlightBytes)
    {
        // Sizes of the batches handed over and not yet acknowledged, oldest first (an actor answers in order).
        private readonly Queue<(int Messages, long Bytes)> unacknowledged = new();

        // Its stalled drops when it last stalled, so the recovery log says how many one stall cost.
        private long stalledDropsBefore;

        public string Name { get; } = name;

        public ConsumerCounters Counters { get; } = counters;

        /// <summary>Who unsubscribed it, to be told once it has left.</summary>
        public List<IActorRef> RetiredFor { get; } = [];

        /// <summary>The running actor; null while it is stopped (restarting).</summary>
        public IActorRef? Ref { get; private set; }

        public MessageFilter Filter { get; private set; } = MessageFilter.Compile(FilterSpec.All);

        public int MaxInFlight { get; private set; }

        public OnLag OnLag { get; private set; }

        public int InFlightMessages { get; private set; }

        public long MaxInFlightBytes { get; } = maxInFlightBytes;

        /// <summary><see cref="MessageBytes"/> of what it was handed and has not acknowledged.</summary>
        public long InFlightBytes { get; private set; }

        /// <summary>A backpressure consumer that held the pipeline too long: its share is dropped until it catches up.</summary>
        public bool Stalled { get; private set; }

        /// <summary>Its max-backpressure clock runs: it started holding the pipeline and has not had credit since.</summary>
        public bool HoldTimed { get; set; }

        /// <summary>It keeps the router from pulling: running, backpressure, not stalled, out of credit.</summary>
        public bool HoldsPipeline => OnLag == OnLag.Backpressure && !Stalled && Ref is not null
            && (InFlightMessages >= MaxInFlight || InFlightBytes >= MaxInFlightBytes);

        public void Attach(Subscribe s)
        {
            Ref = s.Consumer;
            // Compiled once per subscription, so routing a message costs no parsing.
            Filter = MessageFilter.Compile(s.Filter, s.Partition);
            MaxInFlight = s.MaxMessagesInFlight;
            OnLag = s.OnLag;
        }

        public void Detach() => Ref = null;

        public void Stall()
        {
            Stalled = true;
            stalledDropsBefore = Counters.DroppedFor(DropReason.Stalled);
        }

        /// <summary>Backpressured again; returns how many messages this stall cost it.</summary>
        public long Unstall()
        {
            Stalled = false;
            return Counters.DroppedFor(DropReason.Stalled) - stalledDropsBefore;
        }

        /// <summary>
        /// How many of the first <paramref name="room"/> messages its byte credit takes; an idle consumer (nothing
        /// outstanding) takes at least one, so a message bigger than the whole credit still goes through.
        /// </summary>
        public int FitsByBytes(List<SyslogMessage> messages, int room)
        {
            var left = MaxInFlightBytes - InFlightBytes;
            var fits = 0;
            while (fits < room && (left >= MessageBytes(messages[fits]) || (fits == 0 && InFlightMessages == 0)))
            {
                left -= MessageBytes(messages[fits]);
                fits++;
            }

            return fits;
        }

        public void Send(List<SyslogMessage> messages)
        {
            long bytes = 0;
            foreach (var m in messages)
            {
                bytes += MessageBytes(m);
            }

            unacknowledged.Enqueue((messages.Count, bytes));
            InFlightMessages += messages.Count;
            InFlightBytes += bytes;
            Counters.OnHandedOver(messages.Count);
            Ref!.Tell(new MessageBatch(messages));
        }

        public void Acknowledge()
        {
            if (unacknowledged.TryDequeue(out var batch))
            {
                InFlightMessages -= batch.Messages;
                InFlightBytes -= batch.Bytes;
                Counters.OnAcknowledged(batch.Messages);
            }
        }

        /// <summary>Gives up on every batch not acknowledged: counted as dropped for <paramref name="reason"/>; returns how many messages.</summary>
        public int Abandon(DropReason reason)
        {
            var lost = InFlightMessages;
            if (lost > 0)
            {
                Counters.OnLost(lost, reason);
            }

            unacknowledged.Clear();
            InFlightMessages = 0;
            InFlightBytes = 0;
            return lost;
        }
    }

    private sealed class Readable
    {
        public static readonly Readable Instance = new();
    }

    private sealed class DrainDeadline
    {
        public static readonly DrainDeadline Instance = new();
    }

    /// <summary>The consumer named has held the pipeline for max-backpressure (unless its timer was cancelled).</summary>
    private sealed record HeldTooLong(string Name)
    {
        public static string Key(string name) => "held:" + name;
    }
}
