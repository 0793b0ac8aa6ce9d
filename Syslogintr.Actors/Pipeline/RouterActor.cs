using Akka.Actor;
using Akka.Event;
using Syslogintr.Ingest;
using Syslogintr.Metrics;

namespace Syslogintr.Pipeline;

/// <summary>
/// Takes messages off the <see cref="IngestQueue"/> in batches and hands each consumer the messages its filter
/// accepts. It pulls (rather than being pushed to), so its mailbox stays small and the queue is the only buffer.
/// Each consumer has a credit of outstanding messages; a consumer out of credit has its share dropped and counted
/// instead of slowing the others.
/// </summary>
public sealed class RouterActor : ReceiveActor, IWithTimers
{
    private readonly IngestQueue queue;
    private readonly NodeMetrics metrics;
    private readonly int batchSize;
    private readonly List<Consumer> consumers = [];
    private readonly ILoggingAdapter log = Context.GetLogger();
    private bool waiting;
    private IActorRef? drainReplyTo;

    public RouterActor(IngestQueue queue, NodeMetrics metrics, int batchSize)
    {
        this.queue = queue;
        this.metrics = metrics;
        this.batchSize = batchSize;

        Receive<Subscribe>(OnSubscribe);
        Receive<Unsubscribe>(u => consumers.RemoveAll(c => c.Ref.Equals(u.Consumer)));
        Receive<Readable>(_ =>
        {
            waiting = false;
            Pump();
        });
        Receive<BatchDone>(_ => OnBatchDone(Sender));
        Receive<Terminated>(t => consumers.RemoveAll(c => c.Ref.Equals(t.ActorRef)));
        Receive<Drain>(d =>
        {
            drainReplyTo = Sender;
            Timers.StartSingleTimer("drain-deadline", DrainDeadline.Instance, d.Deadline);
            Pump();
        });
        Receive<DrainDeadline>(_ => CheckDrained(force: true));
    }

    /// <summary>The counters' name for messages that reached the router while no consumer was subscribed.</summary>
    public const string Unrouted = "(no consumer)";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IngestQueue queue, NodeMetrics metrics, int batchSize) =>
        Akka.Actor.Props.Create(() => new RouterActor(queue, metrics, batchSize));

    protected override void PreStart() => Pump();

    private void OnSubscribe(Subscribe s)
    {
        consumers.RemoveAll(c => c.Ref.Equals(s.Consumer));
        consumers.Add(new Consumer(s.Consumer, s.Filter, s.MaxMessagesInFlight, metrics.Consumer(s.Name)));
        Context.Watch(s.Consumer);
        log.Debug("consumer {0} subscribed", s.Name);
        Sender.Tell(new Subscribed(s.Name));
    }

    private void OnBatchDone(IActorRef sender)
    {
        foreach (var c in consumers)
        {
            if (c.Ref.Equals(sender))
            {
                c.Acknowledge();
                break;
            }
        }

        CheckDrained(force: false);
    }

    /// <summary>Routes what is queued now, a batch at a time, then waits for the queue to become readable again.</summary>
    private void Pump()
    {
        // Bound the work per actor message so Subscribe, BatchDone and Drain are not starved under load.
        for (var round = 0; round < 8; round++)
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

        if (queue.Reader.Count > 0)
        {
            Self.Tell(Readable.Instance);
            waiting = true;
            return;
        }

        if (queue.Reader.Completion.IsCompleted)
        {
            CheckDrained(force: false);
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

    private void Route(List<SyslogMessage> batch)
    {
        if (consumers.Count == 0)
        {
            // Nothing subscribed (yet, or any more): not lost silently, counted.
            metrics.Consumer(Unrouted).OnDropped(batch.Count);
            return;
        }

        foreach (var c in consumers)
        {
            var accepted = c.Filter is AcceptAll ? batch : batch.FindAll(c.Filter.Accepts);
            if (accepted.Count == 0)
            {
                continue;
            }

            // Hand over what the credit allows (at least one batch to an idle consumer), drop and count the rest.
            var room = c.InFlightMessages == 0 ? accepted.Count : Math.Min(accepted.Count, c.MaxInFlight - c.InFlightMessages);
            if (room < accepted.Count)
            {
                c.Counters.OnDropped(accepted.Count - Math.Max(room, 0));
            }

            if (room <= 0)
            {
                continue;
            }

            var share = room == accepted.Count ? accepted : accepted.GetRange(0, room);
            c.Send(share);
        }
    }

    private void CheckDrained(bool force)
    {
        if (drainReplyTo is null)
        {
            return;
        }

        var outstanding = consumers.Sum(c => (long)c.InFlightMessages);
        var queueEmpty = queue.Reader.Completion.IsCompleted;
        if (force || (queueEmpty && outstanding == 0))
        {
            drainReplyTo.Tell(new Drained(outstanding + queue.Count));
            drainReplyTo = null;
        }
    }

    private sealed class Consumer(IActorRef actor, IMessageFilter filter, int maxInFlight, ConsumerCounters counters)
    {
        // Sizes of the batches handed over and not yet acknowledged, oldest first (an actor answers in order).
        private readonly Queue<int> unacknowledged = new();

        public IActorRef Ref { get; } = actor;

        public IMessageFilter Filter { get; } = filter;

        public int MaxInFlight { get; } = maxInFlight;

        public ConsumerCounters Counters { get; } = counters;

        public int InFlightMessages { get; private set; }

        public void Send(List<SyslogMessage> messages)
        {
            unacknowledged.Enqueue(messages.Count);
            InFlightMessages += messages.Count;
            Counters.OnDelivered(messages.Count);
            Ref.Tell(new MessageBatch(messages));
        }

        public void Acknowledge()
        {
            if (unacknowledged.TryDequeue(out var count))
            {
                InFlightMessages -= count;
            }
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
}
