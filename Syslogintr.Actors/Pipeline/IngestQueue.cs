using System.Threading.Channels;
using Syslogintr.Ingest;

namespace Syslogintr.Pipeline;

/// <summary>
/// The one bounded queue between every listener (and every in-process producer) and the router.
/// Datagram listeners use <see cref="TryEnqueue"/> and count a drop when it is full: a datagram sender must never
/// block, or a full queue on /dev/log stalls every program on the host (the original's deadlock). Stream listeners
/// may use <see cref="EnqueueAsync"/>, which waits and so stops reading that one connection (TCP backpressure).
/// </summary>
public sealed class IngestQueue
{
    private readonly Channel<SyslogMessage> channel;

    public IngestQueue(int capacity)
    {
        Capacity = capacity;
        channel = Channel.CreateBounded<SyslogMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    public int Count => channel.Reader.Count;

    public ChannelReader<SyslogMessage> Reader => channel.Reader;

    /// <summary>Never waits. False when the queue is full or closed: the caller counts the drop.</summary>
    public bool TryEnqueue(SyslogMessage message) => channel.Writer.TryWrite(message);

    /// <summary>Waits for room; throws <see cref="ChannelClosedException"/> once the queue is closed for shutdown.</summary>
    public ValueTask EnqueueAsync(SyslogMessage message, CancellationToken cancellationToken) =>
        channel.Writer.WriteAsync(message, cancellationToken);

    /// <summary>No more messages will be accepted; the router drains what is queued and then completes.</summary>
    public void Close() => channel.Writer.TryComplete();
}
