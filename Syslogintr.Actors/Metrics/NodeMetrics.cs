using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

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

    public NodeMetrics()
    {
        Meter = new Meter(MeterName);
        Observe("syslogintr.listener.received", "{message}", c => c.Received);
        Observe("syslogintr.listener.bytes", "By", c => c.Bytes);
        Observe("syslogintr.listener.parse_errors", "{message}", c => c.ParseErrors);
        Observe("syslogintr.listener.truncated", "{message}", c => c.Truncated);
        Observe("syslogintr.listener.dropped", "{message}", c => c.Dropped);
        Observe("syslogintr.listener.kernel_dropped", "{message}", c => c.KernelDropped);
        Observe("syslogintr.listener.errors", "{error}", c => c.Errors);
        Meter.CreateObservableCounter(
            "syslogintr.consumer.delivered",
            () => consumers.Values.Select(c => new Measurement<long>(c.Delivered, new KeyValuePair<string, object?>("consumer", c.Name))),
            "{message}");
        Meter.CreateObservableCounter(
            "syslogintr.consumer.dropped",
            () => consumers.Values.Select(c => new Measurement<long>(c.Dropped, new KeyValuePair<string, object?>("consumer", c.Name))),
            "{message}");
    }

    public Meter Meter { get; }

    public IEnumerable<ListenerCounters> Listeners => listeners.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public IEnumerable<ConsumerCounters> Consumers => consumers.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public ListenerCounters Listener(string name) => listeners.GetOrAdd(name, n => new ListenerCounters(n));

    public ConsumerCounters Consumer(string name) => consumers.GetOrAdd(name, n => new ConsumerCounters(n));

    public SinkCounters Sink(string name) => sinks.GetOrAdd(name, n => new SinkCounters(n));

    /// <summary>One line for the node's log: totals per listener and every consumer that dropped.</summary>
    public string Summary()
    {
        var parts = Listeners.Select(c => c.ToString()).ToList();
        parts.AddRange(Consumers.Where(c => c.Dropped > 0).Select(c => c.ToString()));
        parts.AddRange(sinks.Values.Where(s => s.WriteErrors > 0 || s.Discarded > 0).Select(s => s.ToString()));
        return parts.Count == 0 ? "no listeners" : string.Join("; ", parts);
    }

    public void Dispose() => Meter.Dispose();

    private void Observe(string name, string unit, Func<ListenerCounters, long> read) =>
        Meter.CreateObservableCounter(
            name,
            () => listeners.Values.Select(c => new Measurement<long>(read(c), new KeyValuePair<string, object?>("listener", c.Name))),
            unit);
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
    private long errors;

    public string Name { get; } = name;

    public long Received => Volatile.Read(ref received);

    public long Bytes => Volatile.Read(ref bytes);

    public long ParseErrors => Volatile.Read(ref parseErrors);

    public long Truncated => Volatile.Read(ref truncated);

    /// <summary>Messages dropped because the ingest queue was full.</summary>
    public long Dropped => Volatile.Read(ref dropped);

    /// <summary>Datagrams the kernel dropped because the socket's receive buffer was full.</summary>
    public long KernelDropped => Volatile.Read(ref kernelDropped);

    /// <summary>Socket errors, failed TLS handshakes, aborted connections.</summary>
    public long Errors => Volatile.Read(ref errors);

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

    /// <summary>The kernel reports a running total; keep the latest.</summary>
    public void SetKernelDropped(long total) => Volatile.Write(ref kernelDropped, total);

    public override string ToString() =>
        $"{Name}: received={Received} bytes={Bytes} parse_errors={ParseErrors} truncated={Truncated} dropped={Dropped} kernel_dropped={KernelDropped} errors={Errors}";
}

/// <summary>Counters of one router consumer (sink or rule worker).</summary>
public sealed class ConsumerCounters(string name)
{
    private long delivered;
    private long dropped;

    public string Name { get; } = name;

    public long Delivered => Volatile.Read(ref delivered);

    /// <summary>Messages not handed to the consumer because it was too far behind.</summary>
    public long Dropped => Volatile.Read(ref dropped);

    public void OnDelivered(int count) => Interlocked.Add(ref delivered, count);

    public void OnDropped(int count) => Interlocked.Add(ref dropped, count);

    public override string ToString() => $"{Name}: delivered={Delivered} dropped={Dropped}";
}

/// <summary>Counters of one sink.</summary>
public sealed class SinkCounters(string name)
{
    private long formatted;
    private long writeErrors;
    private long discarded;

    public string Name { get; } = name;

    public long Formatted => Volatile.Read(ref formatted);

    /// <summary>Failed writes (disk full, I/O errors); each is retried.</summary>
    public long WriteErrors => Volatile.Read(ref writeErrors);

    /// <summary>Characters given up after the retry buffer overflowed.</summary>
    public long Discarded => Volatile.Read(ref discarded);

    public void OnFormatted(int count) => Interlocked.Add(ref formatted, count);

    public void OnWriteError() => Interlocked.Increment(ref writeErrors);

    public void OnDiscarded(int characters) => Interlocked.Add(ref discarded, characters);

    public override string ToString() => $"{Name}: written={Formatted} write_errors={WriteErrors} discarded_chars={Discarded}";
}
