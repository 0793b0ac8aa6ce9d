using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Syslogintr.Metrics;

/// <summary>
/// The node's counters. Hot paths increment plain fields with <see cref="Interlocked"/>; the
/// <see cref="System.Diagnostics.Metrics"/> instruments observe those fields, so `dotnet-counters` and any
/// OpenTelemetry exporter see them, and the periodic summary reads the same numbers.
/// One instance per node (no static state): tests run several nodes in one process.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "Syslogintr";

    private readonly ConcurrentDictionary<string, ListenerCounters> listeners = new();
    private readonly ConcurrentDictionary<string, ConsumerCounters> consumers = new();
    private readonly ConcurrentDictionary<string, SinkCounters> sinks = new();
    private readonly ConcurrentDictionary<string, RuleCounters> rules = new();
    private readonly ConcurrentDictionary<string, ConsumerCounters> forwarded = new();

    public NodeMetrics()
    {
        Meter = new Meter(MeterName);
        SideEffects = new ActionCounters(Meter);
        Observe(listeners, "listener", "syslogintr.listener.received", "{message}", c => c.Received);
        Observe(listeners, "listener", "syslogintr.listener.bytes", "By", c => c.Bytes);
        Observe(listeners, "listener", "syslogintr.listener.parse_errors", "{message}", c => c.ParseErrors);
        Observe(listeners, "listener", "syslogintr.listener.truncated", "{message}", c => c.Truncated);
        Observe(listeners, "listener", "syslogintr.listener.dropped", "{message}", c => c.Dropped);
        Observe(listeners, "listener", "syslogintr.listener.kernel_dropped", "{message}", c => c.KernelDropped);
        Observe(listeners, "listener", "syslogintr.listener.errors", "{error}", c => c.Errors);
        Observe(listeners, "listener", "syslogintr.listener.backpressured", "{wait}", c => c.Backpressured);
        Meter.CreateObservableCounter(
            "syslogintr.listener.tls_rejected",
            () => listeners.SelectMany(l => l.Value.TlsRejected.Select(r => new Measurement<long>(
                r.Value, new KeyValuePair<string, object?>("listener", l.Key), new KeyValuePair<string, object?>("reason", r.Key)))),
            "{handshake}");
        Observe(listeners, "listener", "syslogintr.listener.framing_errors", "{frame}", c => c.FramingErrors);
        Observe(listeners, "listener", "syslogintr.listener.aborted_frames", "{frame}", c => c.AbortedFrames);
        Observe(listeners, "listener", "syslogintr.listener.refused", "{connection}", c => c.Refused);
        Observe(consumers, "consumer", "syslogintr.consumer.delivered", "{message}", c => c.Delivered);
        Meter.CreateObservableCounter("syslogintr.consumer.dropped", () => consumers.Values.SelectMany(c => c.DroppedByReason()), "{message}");
        Meter.CreateObservableUpDownCounter("syslogintr.consumer.in_flight", () => Measure(consumers, "consumer", c => c.InFlight), "{message}");
        Observe(sinks, "sink", "syslogintr.sink.written", "{message}", c => c.Written);
        Observe(sinks, "sink", "syslogintr.sink.write_errors", "{error}", c => c.WriteErrors);
        Observe(sinks, "sink", "syslogintr.sink.discarded", "{message}", c => c.Discarded);
        Observe(sinks, "sink", "syslogintr.sink.discarded_bytes", "By", c => c.DiscardedBytes);
        Observe(rules, "rule", "syslogintr.rule.messages", "{message}", c => c.Messages);
        Observe(rules, "rule", "syslogintr.rule.errors", "{error}", c => c.Errors);
        Observe(rules, "rule", "syslogintr.rule.aborts", "{call}", c => c.Aborts);
        Observe(rules, "rule", "syslogintr.rule.rebuilds", "{rebuild}", c => c.Rebuilds);
        Observe(rules, "rule", "syslogintr.rule.reloads", "{reload}", c => c.Reloads);
        Observe(rules, "rule", "syslogintr.rule.injections_refused", "{message}", c => c.RefusedInjections);
        Observe(rules, "rule", "syslogintr.rule.injections_dropped", "{message}", c => c.DroppedInjections);
        Meter.CreateObservableGauge(
            "syslogintr.rule.script_version",
            () => Measure(rules, "rule", c => c.ScriptVersion),
            "{version}");
        Observe(forwarded, "rule", "syslogintr.rule.forwarded.delivered", "{message}", c => c.Delivered);
        Meter.CreateObservableCounter("syslogintr.rule.forwarded.dropped", () => forwarded.Values.SelectMany(c => c.DroppedByReason()), "{message}");
        Meter.CreateObservableUpDownCounter("syslogintr.rule.forwarded.in_flight", () => Measure(forwarded, "rule", c => c.InFlight), "{message}");
        Ban.Observe(Meter);
        Cluster.Observe(Meter);
        Probes.Observe(Meter);
        Alerts.Observe(Meter);
        Mail.Observe(Meter);
        RuleLogDuration = Meter.CreateHistogram<double>("syslogintr.rule.log_duration", "s", "How long one call of a rule's log() took");
    }

    public Meter Meter { get; }

    /// <summary>
    /// The events of what rules set off (<c>exec.*</c>, <c>relay.*</c>, <c>write.*</c>; bans have typed <see cref="Ban"/> counters), one instrument
    /// <c>syslogintr.action.events</c> whichever stage's actor counts them.
    /// </summary>
    public ActionCounters SideEffects { get; }

    public BanCounters Ban { get; } = new();

    public ProbeGauges Probes { get; } = new();

    public AlertCounters Alerts { get; } = new();

    public MailCounters Mail { get; } = new();

    /// <summary>Publishes <c>syslogintr.pipeline.queue_depth</c>: messages waiting in the ingest queue (read at each collection).</summary>
    public void ObserveQueue(Func<int> depth) => Meter.CreateObservableGauge("syslogintr.pipeline.queue_depth", depth, "{message}");

    /// <summary>Each call of a rule's <c>log()</c>, in seconds, tagged <c>rule</c> (the instance's name): recorded by its runner.</summary>
    public Histogram<double> RuleLogDuration { get; }

    /// <summary>Members up, unreachable, leadership and buckets hosted here, as this node sees its cluster.</summary>
    public ClusterGauges Cluster { get; } = new();

    public IEnumerable<ListenerCounters> Listeners => listeners.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public IEnumerable<ConsumerCounters> Consumers => consumers.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public ListenerCounters Listener(string name) => listeners.GetOrAdd(name, n => new ListenerCounters(n));

    public ConsumerCounters Consumer(string name) => consumers.GetOrAdd(name, n => new ConsumerCounters(n));

    public SinkCounters Sink(string name) => sinks.GetOrAdd(name, n => new SinkCounters(n));

    public IEnumerable<RuleCounters> Rules => rules.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    /// <summary>The counters of one rule instance (<c>name</c>, or <c>name#i</c> in a pool); they outlive its worker's restarts.</summary>
    public RuleCounters Rule(string name) => rules.GetOrAdd(name, n => new RuleCounters(n));

    /// <summary>
    /// What this node sent to a partitioned or singleton rule's buckets (by name): delivered (the bucket
    /// acknowledged), in flight, or dropped (lagging: the bucket's credit was used up; unreachable: no answer within
    /// ack-timeout). Their sum is what the router handed the rule's forwarder.
    /// </summary>
    public ConsumerCounters Forwarded(string rule) => forwarded.GetOrAdd(rule, n => new ConsumerCounters(n));

    /// <summary>Whether any message was lost on the way: dropped by a listener, the kernel, a consumer or a forwarder, or discarded by a sink.</summary>
    public bool LostAny =>
        Listeners.Any(l => l.Dropped > 0 || l.KernelDropped > 0)
        || Consumers.Any(c => c.Dropped > 0)
        || forwarded.Values.Any(c => c.Dropped > 0)
        || sinks.Values.Any(s => s.Discarded > 0);

    /// <summary>One line for the node's log: totals per listener and per rule, every consumer that dropped, and what relays lost.</summary>
    public string Summary()
    {
        var parts = Listeners.Select(c => c.ToString()).ToList();
        parts.AddRange(Rules.Select(c => c.ToString()));
        parts.AddRange(Consumers.Where(c => c.Dropped > 0).Select(c => c.ToString()));
        parts.AddRange(forwarded.Values.Where(c => c.Dropped > 0).Select(c => $"forwarded to {c}"));
        parts.AddRange(sinks.Values.Where(s => s.WriteErrors > 0 || s.Discarded > 0).Select(s => s.ToString()));
        if (RelayTrouble() is { } relay)
        {
            parts.Add(relay);
        }

        return parts.Count == 0 ? "no listeners" : string.Join("; ", parts);
    }

    public void Dispose() => Meter.Dispose();

    /// <summary>What relays failed to deliver, once any did: like a consumer's drops, the line names only trouble.</summary>
    private string? RelayTrouble()
    {
        long lost = SideEffects.Get("relay.lost"), dropped = SideEffects.Get("relay.dropped"), connectFailed = SideEffects.Get("relay.connect_failed");
        return lost + dropped + connectFailed == 0 ? null : $"relay: lost={lost} dropped={dropped} connect_failed={connectFailed}";
    }

    private void Observe<T>(ConcurrentDictionary<string, T> counters, string tag, string name, string unit, Func<T, long> read) =>
        Meter.CreateObservableCounter(name, () => Measure(counters, tag, read), unit);

    private static IEnumerable<Measurement<long>> Measure<T>(ConcurrentDictionary<string, T> counters, string tag, Func<T, long> read) =>
        counters.Select(c => new Measurement<long>(read(c.Value), new KeyValuePair<string, object?>(tag, c.Key)));
}

/// <summary>Counters of one listener. Written by its socket threads, read by anyone.</summary>
public sealed class ListenerCounters(string name)
{
    private long received;
    private long bytes;
    private long parseErrors;
    private long truncated;
    private long dropped;
    private long kernelDropped;
    private Func<long?>? kernelDropsSource;
    private long errors;
    private long backpressured;
    private readonly ConcurrentDictionary<string, StrongBox<long>> tlsRejected = new();
    private long framingErrors;
    private long abortedFrames;
    private long refused;

    public string Name { get; } = name;

    public long Received => Volatile.Read(ref received);

    public long Bytes => Volatile.Read(ref bytes);

    public long ParseErrors => Volatile.Read(ref parseErrors);

    public long Truncated => Volatile.Read(ref truncated);

    /// <summary>Messages dropped because the ingest queue was full.</summary>
    public long Dropped => Volatile.Read(ref dropped);

    /// <summary>Datagrams the kernel dropped because the socket's receive buffer was full.</summary>
    public long KernelDropped
    {
        get
        {
            if (Volatile.Read(ref kernelDropsSource) is { } read && read() is { } total)
            {
                Volatile.Write(ref kernelDropped, total);
            }

            return Volatile.Read(ref kernelDropped);
        }
    }

    /// <summary>Socket errors, failed TLS handshakes.</summary>
    public long Errors => Volatile.Read(ref errors);

    /// <summary>Times a stream connection found the ingest queue full and waited for room (TCP backpressure).</summary>
    public long Backpressured => Volatile.Read(ref backpressured);

    /// <summary>Refused TLS handshakes by reason (no-certificate, untrusted-issuer, …); each is in <see cref="Errors"/> too.</summary>
    public IReadOnlyDictionary<string, long> TlsRejected => tlsRejected.ToDictionary(r => r.Key, r => Volatile.Read(ref r.Value.Value));
    /// <summary>Stream frames whose framing was broken: a zero or unbelievable octet count (the frame is read as a line).</summary>
    public long FramingErrors => Volatile.Read(ref framingErrors);

    /// <summary>Stream frames cut short by the end of their connection (reset, timeout, or an octet count not reached); what came is delivered flagged truncated.</summary>
    public long AbortedFrames => Volatile.Read(ref abortedFrames);

    /// <summary>Connections refused at accept: <c>max-connections</c> or <c>max-connections-per-address</c> reached.</summary>
    public long Refused => Volatile.Read(ref refused);

    /// <summary>A datagram: one message of <paramref name="byteCount"/> bytes.</summary>
    public void OnReceived(int byteCount)
    {
        OnMessage();
        OnBytes(byteCount);
    }

    /// <summary>A framed message from a stream (its bytes are counted as they are read).</summary>
    public void OnMessage() => Interlocked.Increment(ref received);

    public void OnBytes(int byteCount) => Interlocked.Add(ref bytes, byteCount);

    public void OnParseError() => Interlocked.Increment(ref parseErrors);

    public void OnTruncated() => Interlocked.Increment(ref truncated);

    public void OnDropped() => Interlocked.Increment(ref dropped);

    public void OnError() => Interlocked.Increment(ref errors);

    public void OnBackpressure() => Interlocked.Increment(ref backpressured);

    public void OnTlsRejected(string reason) => Interlocked.Increment(ref tlsRejected.GetOrAdd(reason, _ => new StrongBox<long>()).Value);
    public void OnFramingErrors(long count) => Interlocked.Add(ref framingErrors, count);

    public void OnAbortedFrames(long count) => Interlocked.Add(ref abortedFrames, count);

    public void OnRefused() => Interlocked.Increment(ref refused);

    /// <summary>
    /// The kernel keeps a running total: it is read whenever <see cref="KernelDropped"/> is (a scrape, the status
    /// page, the summary line), not polled, so an idle node wakes for nothing. Null: the socket is closed; the last
    /// total read stays.
    /// </summary>
    public void ReadKernelDropsFrom(Func<long?>? source)
    {
        _ = KernelDropped;
        Volatile.Write(ref kernelDropsSource, source);
    }

    public override string ToString() =>
        $"{Name}: received={Received} bytes={Bytes} parse_errors={ParseErrors} truncated={Truncated} dropped={Dropped} kernel_dropped={KernelDropped} errors={Errors} backpressured={Backpressured} framing_errors={FramingErrors} aborted_frames={AbortedFrames} refused={Refused}{string.Concat(TlsRejected.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $" tls_rejected[{r.Key}]={r.Value}"))}";
}

/// <summary>Why the router did not hand a consumer a message, or gave up on one it had handed over.</summary>
public enum DropReason
{
    /// <summary>The consumer was out of credit (too far behind) and its overflow policy is <c>drop</c>.</summary>
    Lagging,

    /// <summary>The consumer had stopped (a rule worker waiting out its restart backoff): what it had not acknowledged, and its share until it is back.</summary>
    Restarting,

    /// <summary>A backpressure consumer held the pipeline longer than <c>max-backpressure</c> (a hung disk): its share until it caught up.</summary>
    Stalled,

    /// <summary>Still queued, or handed over and not acknowledged, when the shutdown drain ran out of time.</summary>
    Shutdown,

    /// <summary>No consumer was subscribed at all.</summary>
    NoConsumer,

    /// <summary>Sent to a rule's bucket on another node and not acknowledged within <c>ack-timeout</c> (the node dead, unreachable or stuck).</summary>
    Unreachable,
}

/// <summary>
/// Counters of one router consumer (sink or rule worker). Every message the router routes to it is, at any time,
/// exactly one of: delivered (the consumer acknowledged its batch), in flight (handed over, not yet acknowledged)
/// or dropped for one <see cref="DropReason"/>. Written by the router, read by anyone.
/// </summary>
public sealed class ConsumerCounters(string name)
{
    private readonly long[] dropped = new long[Enum.GetValues<DropReason>().Length];
    private long delivered;
    private long inFlight;

    public string Name { get; } = name;

    /// <summary>Messages in batches the consumer acknowledged: it received and handled them.</summary>
    public long Delivered => Volatile.Read(ref delivered);

    /// <summary>Messages handed over whose batch is not acknowledged yet.</summary>
    public long InFlight => Volatile.Read(ref inFlight);

    /// <summary>Messages dropped for any reason.</summary>
    public long Dropped => Enum.GetValues<DropReason>().Sum(DroppedFor);

    public long DroppedFor(DropReason reason) => Volatile.Read(ref dropped[(int)reason]);

    public void OnHandedOver(int count) => Interlocked.Add(ref inFlight, count);

    public void OnAcknowledged(int count)
    {
        Interlocked.Add(ref inFlight, -count);
        Interlocked.Add(ref delivered, count);
    }

    /// <summary>Messages never handed over.</summary>
    public void OnDropped(int count, DropReason reason) => Interlocked.Add(ref dropped[(int)reason], count);

    /// <summary>Messages handed over that will never be acknowledged (the consumer stopped, or shutdown gave up on them).</summary>
    public void OnLost(int count, DropReason reason)
    {
        Interlocked.Add(ref inFlight, -count);
        OnDropped(count, reason);
    }

    public IEnumerable<Measurement<long>> DroppedByReason() => Enum.GetValues<DropReason>().Select(r => new Measurement<long>(
        DroppedFor(r),
        new KeyValuePair<string, object?>("consumer", Name),
        new KeyValuePair<string, object?>("reason", Tag(r))));

    public override string ToString() =>
        $"{Name}: delivered={Delivered} in_flight={InFlight} dropped={Dropped} ({string.Join(" ", Enum.GetValues<DropReason>().Where(r => DroppedFor(r) > 0).Select(r => $"{Tag(r)}={DroppedFor(r)}"))})";

    /// <summary>The reason as the <c>reason</c> tag and the summary spell it: <c>lagging</c>, <c>restarting</c>, <c>stalled</c>, <c>shutdown</c>, <c>no_consumer</c>.</summary>
    public static string Tag(DropReason reason) => reason == DropReason.NoConsumer ? "no_consumer" : reason.ToString().ToLowerInvariant();
}

/// <summary>Counters of one sink.</summary>
public sealed class SinkCounters(string name) : IWriteCounters
{
    private long written;
    private long writeErrors;
    private long discarded;
    private long discardedBytes;

    public string Name { get; } = name;

    /// <summary>Messages (lines) that reached the file.</summary>
    public long Written => Volatile.Read(ref written);

    /// <summary>Failed writes (disk full, I/O errors); each is retried.</summary>
    public long WriteErrors => Volatile.Read(ref writeErrors);

    /// <summary>Messages given up: the retry buffer overflowed, or they were still unwritten at stop.</summary>
    public long Discarded => Volatile.Read(ref discarded);

    /// <summary>The bytes of the <see cref="Discarded"/> messages.</summary>
    public long DiscardedBytes => Volatile.Read(ref discardedBytes);

    public void OnWritten(int count) => Interlocked.Add(ref written, count);

    public void OnWriteError() => Interlocked.Increment(ref writeErrors);

    public void OnDiscarded(int messages, int bytes)
    {
        Interlocked.Add(ref discarded, messages);
        Interlocked.Add(ref discardedBytes, bytes);
    }

    public override string ToString() => $"{Name}: written={Written} write_errors={WriteErrors} discarded={Discarded} discarded_bytes={DiscardedBytes}";
}

/// <summary>Counters of one rule instance. Written by its worker on the worker's thread, read by anyone.</summary>
public sealed class RuleCounters(string name)
{
    private long messages;
    private long errors;
    private long aborts;
    private long rebuilds;
    private long reloads;
    private long refusedInjections;
    private long droppedInjections;
    private long scriptVersion;

    public string Name { get; } = name;

    /// <summary>Messages handed to the rule's <c>log</c>, or skipped while it is over its budget.</summary>
    public long Messages => Volatile.Read(ref messages);

    /// <summary>Lua errors in any hook, budget overruns and messages skipped while over budget included.</summary>
    public long Errors => Volatile.Read(ref errors);

    /// <summary>Hook calls stopped by the instruction or time budget (each is in <see cref="Errors"/> too).</summary>
    public long Aborts => Volatile.Read(ref aborts);

    /// <summary>Lua states replaced because they grew over the memory limit.</summary>
    public long Rebuilds => Volatile.Read(ref rebuilds);

    /// <summary>Changed scripts loaded in place of the running one.</summary>
    public long Reloads => Volatile.Read(ref reloads);

    /// <summary><c>syslog()</c> calls refused because the message they answer was already at the generation limit.</summary>
    public long RefusedInjections => Volatile.Read(ref refusedInjections);

    /// <summary><c>syslog()</c> messages dropped because the ingest queue was full.</summary>
    public long DroppedInjections => Volatile.Read(ref droppedInjections);

    /// <summary>The version of the script the worker runs: 1 when it (re)starts, +1 per reload.</summary>
    public long ScriptVersion => Volatile.Read(ref scriptVersion);

    public void OnMessage() => Interlocked.Increment(ref messages);

    public void OnError() => Interlocked.Increment(ref errors);

    public void OnAborted() => Interlocked.Increment(ref aborts);

    public void OnRebuild() => Interlocked.Increment(ref rebuilds);

    public void OnRefusedInjection() => Interlocked.Increment(ref refusedInjections);

    public void OnDroppedInjection() => Interlocked.Increment(ref droppedInjections);

    /// <summary>The worker loaded its script afresh (start or restart): version 1.</summary>
    public void OnLoaded() => Volatile.Write(ref scriptVersion, 1);

    public void OnReloaded()
    {
        Interlocked.Increment(ref reloads);
        Interlocked.Increment(ref scriptVersion);
    }

    public override string ToString() =>
        $"rule {Name}: messages={Messages} errors={Errors} rebuilds={Rebuilds} reloads={Reloads} injections_refused={RefusedInjections} injections_dropped={DroppedInjections} version={ScriptVersion}";
}
