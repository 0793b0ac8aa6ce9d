using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace Syslogintr.Hosting;

/// <summary>
/// Akka's scheduler for every node (<c>akka.scheduler.implementation</c> in hocon/syslogintr.conf): one thread that
/// sleeps until the earliest deadline and wakes only when something is due, an earlier item arrives, or the system
/// stops. Akka's default, the hashed wheel, wakes every <c>tick-duration</c> (10 ms) whether or not anything is due,
/// which alone cost an idle node several percent of a core (issue 14).
/// </summary>
/// <remarks>
/// The contract is the wheel's: work runs on the scheduler's thread at or after its deadline (never before);
/// items due at the same instant run in the order they were scheduled; a repeated item's next run is
/// <c>interval</c> after its previous run ended (fixed delay); a cancelled item never runs again; an item that
/// throws is logged and not repeated; at shutdown (<see cref="Dispose"/>) every item not cancelled runs once, so an
/// Ask's timeout completes instead of hanging, and scheduling after it throws <see cref="SchedulerException"/>.
/// Repeated items (Akka's housekeeping: heartbeats, gossip, ticks) may also run up to <see cref="SlackOf"/> late, and
/// the thread uses that to run several in one wake-up: it sleeps until the last deadline it can reach without making
/// any item later than its slack allows. Repeated items that once ran together then stay together, so an idle
/// cluster node wakes for a few groups a second instead of for each of its ~16 timers. One-off items (Ask
/// timeouts, single timers) have no slack: they run as soon as they are due. Linux's timer slack and systemd's
/// <c>AccuracySec</c> coalesce timers the same way.
/// </remarks>
public sealed class DeadlineScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IDisposable
{
    /// <summary>Cancelled items leave the queue at their deadline; purge earlier once they could be half of it.</summary>
    private const int PurgeAbove = 1024;

    /// <summary>The most a repeated item may run late (see <see cref="SlackOf"/>).</summary>
    private static readonly TimeSpan MaxSlack = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Akka's own monotonic clock (internal to Akka, hence bound by name once): Akka code that reads it directly and
    /// code that reads <see cref="MonotonicClock"/> must agree on the epoch, as they do with Akka's schedulers.
    /// </summary>
    private static readonly Func<TimeSpan> AkkaElapsed = AkkaClock("Elapsed"), AkkaElapsedHighRes = AkkaClock("ElapsedHighRes");

    private readonly object gate = new();
    /// <summary>Pending items by deadline, then by the order they were scheduled.</summary>
    private readonly SortedSet<Entry> queue = new();
    private readonly TimeSpan shutdownTimeout;
    private readonly Thread worker;
    private long scheduled;
    private long ran;
    private long wakes;
    private long sleepingUntil = long.MaxValue;
    private int purgeAt = PurgeAbove;
    private bool stopping;

    public DeadlineScheduler(Config scheduler, ILoggingAdapter log)
        : base(scheduler, log)
    {
        shutdownTimeout = scheduler.GetTimeSpan("akka.scheduler.shutdown-timeout");
        worker = new Thread(Run) { IsBackground = true, Name = "deadline-timer" };
        worker.Start();
    }

    public override TimeSpan MonotonicClock => AkkaElapsed();

    public override TimeSpan HighResMonotonicClock => AkkaElapsedHighRes();

    /// <summary>Items in the queue, cancelled ones not yet purged included (what the scheduler holds on to).</summary>
    internal int Pending
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>
    /// The actors that repeated tells in the queue (not cancelled) are for: what keeps an idle node waking. An item
    /// being run at this instant is out of the queue and missing; look more than once.
    /// </summary>
    internal IReadOnlyList<ActorPath> RepeatedReceivers()
    {
        lock (gate)
        {
            return [.. queue.Select(e => e.Item).Where(i => i.Interval > 0 && !i.Cancelled)
                .Select(i => i.Action).OfType<ScheduledTell>().Select(t => t.Receiver).OfType<IActorRef>().Select(r => r.Path)];
        }
    }

    /// <summary>Items run since start: each one woke this thread or ran beside one that did, and then an actor.</summary>
    internal long Ran => Interlocked.Read(ref ran);

    /// <summary>Times this thread woke to run what was due (fewer than <see cref="Ran"/> as items share wake-ups).</summary>
    internal long Wakes => Interlocked.Read(ref wakes);

    protected override DateTimeOffset TimeNow => DateTimeOffset.Now;

    public void Dispose()
    {
        lock (gate)
        {
            if (stopping)
            {
                return;
            }

            stopping = true;
            Monitor.Pulse(gate);
        }

        if (Thread.CurrentThread != worker && !worker.Join(shutdownTimeout))
        {
            Log.Warning("Failed to shutdown scheduler within {0}", shutdownTimeout);
            return;
        }

        // The worker has left: the queue is ours. What was still pending runs once, as Akka's own scheduler does.
        foreach (var entry in queue)
        {
            if (!entry.Item.Cancelled)
            {
                RunSafely(entry.Item);
            }
        }

        queue.Clear();
    }

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, new ScheduledTell(receiver, message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Add(initialDelay, interval, new ScheduledTell(receiver, message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Add(initialDelay, interval, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Add(initialDelay, interval, action, cancelable);

    private static long Now() => AkkaElapsedHighRes().Ticks;

    private static Func<TimeSpan> AkkaClock(string property) =>
        typeof(ActorSystem).Assembly.GetType("Akka.Util.MonotonicClock", throwOnError: true)!
            .GetProperty(property, BindingFlags.Public | BindingFlags.Static)!.GetMethod!.CreateDelegate<Func<TimeSpan>>();

    /// <summary>A deadline <paramref name="delay"/> from now, saturating instead of overflowing (TimeSpan.MaxValue means never).</summary>
    private static long DueIn(TimeSpan delay)
    {
        var now = Now();
        return delay.Ticks > long.MaxValue - now ? long.MaxValue : now + delay.Ticks;
    }

    private void Add(TimeSpan delay, TimeSpan interval, IRunnable action, ICancelable? cancelable) =>
        Enqueue(new Item(action, cancelable, interval.Ticks), DueIn(delay));

    private void Enqueue(Item item, long due)
    {
        lock (gate)
        {
            if (stopping)
            {
                throw new SchedulerException("cannot enqueue after timer shutdown");
            }

            // Wake the worker only when this item is due before whatever it is sleeping towards.
            queue.Add(new Entry(due, scheduled++, item));
            if (due < sleepingUntil)
            {
                Monitor.Pulse(gate);
            }

            if (queue.Count >= purgeAt)
            {
                PurgeCancelled();
            }
        }
    }

    /// <summary>
    /// Ask timeouts and timers that are cancelled long before their deadline would otherwise pile up until then;
    /// dropping them whenever the queue has doubled since the last purge keeps it within twice what is live.
    /// </summary>
    private void PurgeCancelled()
    {
        queue.RemoveWhere(entry => entry.Item.Cancelled);
        purgeAt = Math.Max(PurgeAbove, queue.Count * 2);
    }

    private void Run()
    {
        var due = new List<Item>();
        while (TakeDue(due))
        {
            foreach (var item in due)
            {
                if (item.Cancelled)
                {
                    continue;
                }

                if (RunSafely(item) && item.Interval > 0 && !item.Cancelled)
                {
                    try
                    {
                        Enqueue(item, DueIn(TimeSpan.FromTicks(item.Interval)));
                    }
                    catch (SchedulerException)
                    {
                        // Stopping: Dispose runs what is left.
                    }
                }
            }

            due.Clear();
        }
    }

    /// <summary>Blocks until at least one item is due (filling <paramref name="due"/> with all that are), or returns false at shutdown.</summary>
    private bool TakeDue(List<Item> due)
    {
        lock (gate)
        {
            while (!stopping)
            {
                if (queue.Count == 0)
                {
                    sleepingUntil = long.MaxValue;
                    Monitor.Wait(gate);
                    continue;
                }

                var now = Now();
                var wakeAt = WakeTime();
                if (wakeAt > now)
                {
                    // Rounded up, so the wait never ends just before the deadline and spins; at most ~24 days, then look again.
                    sleepingUntil = wakeAt;
                    var millis = Math.Min((wakeAt - now + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, int.MaxValue - 1);
                    Monitor.Wait(gate, (int)millis);
                    continue;
                }

                sleepingUntil = long.MaxValue;
                Interlocked.Increment(ref wakes);
                while (queue.Count > 0 && queue.Min.Due <= now)
                {
                    var head = queue.Min;
                    queue.Remove(head);
                    due.Add(head.Item);
                }

                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// The latest deadline the thread can sleep towards without any item running later than its deadline plus its
    /// slack: the earliest items in deadline order, as long as each is due before every earlier one's slack runs out.
    /// </summary>
    private long WakeTime()
    {
        var wakeAt = long.MinValue;
        var latest = long.MaxValue;
        foreach (var entry in queue)
        {
            if (entry.Due > latest)
            {
                break;
            }

            wakeAt = entry.Due;
            latest = Math.Min(latest, entry.Due > long.MaxValue - entry.Item.Slack ? long.MaxValue : entry.Due + entry.Item.Slack);
        }

        return wakeAt;
    }

    private bool RunSafely(Item item)
    {
        Interlocked.Increment(ref ran);
        try
        {
            item.Action.Run();
            return true;
        }
        catch (SchedulerException)
        {
            // A tell to an actor system that is terminating; nothing to report.
            return false;
        }
        catch (Exception e)
        {
            Log.Error(e, "Error while executing scheduled task {0}", item.Action);
            return false;
        }
    }

    /// <summary>
    /// How late a repeated item with this interval may run: a quarter of it, at most half a second, so a heartbeat
    /// every second may wait 250 ms once to join its neighbours. None for one-off items.
    /// </summary>
    internal static TimeSpan SlackOf(TimeSpan interval) =>
        interval <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(interval.Ticks / 4, MaxSlack.Ticks));

    private sealed record Item(IRunnable Action, ICancelable? Cancelable, long Interval)
    {
        public long Slack { get; } = SlackOf(TimeSpan.FromTicks(Interval)).Ticks;

        public bool Cancelled => Cancelable?.IsCancellationRequested ?? false;
    }

    private readonly record struct Entry(long Due, long Order, Item Item) : IComparable<Entry>
    {
        public int CompareTo(Entry other) => Due != other.Due ? Due.CompareTo(other.Due) : Order.CompareTo(other.Order);
    }

    private sealed record ScheduledTell(ICanTell Receiver, object Message, IActorRef Sender) : IRunnable
    {
        public void Run() => Receiver.Tell(Message, Sender);

        public void Execute() => Run();
    }
}
