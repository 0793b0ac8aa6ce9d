using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Syslogintr.Ingest;

namespace Syslogintr.Pipeline;

/// <summary>
/// The one bounded queue between every listener (and every in-process producer) and the router.
/// Datagram listeners use <see cref="TryEnqueue"/> and count a drop when it is full: a datagram sender must never
/// block, or a full queue on /dev/log stalls every program on the host (the original's deadlock). Stream listeners
/// may use <see cref="EnqueueAsync"/>, which waits and so stops reading that one connection (TCP backpressure).
/// Full means <see cref="Capacity"/> messages or <see cref="MaxBytes"/> bytes (<see cref="RouterActor.MessageBytes"/>,
/// what a message holds in memory), whichever comes first: the bytes bound what a full queue costs in memory whatever
/// the messages' size. A message bigger than the whole byte bound still goes into an empty queue.
/// </summary>
public sealed class IngestQueue
{
    private readonly Channel<SyslogMessage> channel;

    // Completed (and replaced) when bytes are freed while a writer waits for them, so it looks again.
    private TaskCompletionSource bytesFreed = NewSignal();
    private long bytes;
    private int waitingWriters;
    private volatile bool closed;

    public IngestQueue(int capacity, long maxBytes = long.MaxValue)
    {
        Capacity = capacity;
        MaxBytes = maxBytes;
        channel = Channel.CreateBounded<SyslogMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        Reader = new CountingReader(this);
    }

    public int Capacity { get; }

    /// <summary>Most bytes queued at once (<c>queue-max-bytes</c>), as <see cref="RouterActor.MessageBytes"/> counts them.</summary>
    public long MaxBytes { get; }

    public int Count => channel.Reader.Count;

    /// <summary>Bytes queued now, as <see cref="RouterActor.MessageBytes"/> counts them.</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>Where the router takes messages; each one read frees its bytes.</summary>
    public ChannelReader<SyslogMessage> Reader { get; }

    /// <summary>Never waits. False when the queue is full (by count or bytes) or closed: the caller counts the drop.</summary>
    public bool TryEnqueue(SyslogMessage message)
    {
        var size = RouterActor.MessageBytes(message);
        if (!TryReserve(size))
        {
            return false;
        }

        if (channel.Writer.TryWrite(message))
        {
            return true;
        }

        Release(size);
        return false;
    }

    /// <summary>Waits for room; throws <see cref="ChannelClosedException"/> once the queue is closed for shutdown.</summary>
    public async ValueTask EnqueueAsync(SyslogMessage message, CancellationToken cancellationToken)
    {
        var size = RouterActor.MessageBytes(message);
        if (!TryReserve(size))
        {
            await WaitForBytesAsync(size, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await channel.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(size);
            throw;
        }
    }

    /// <summary>No more messages will be accepted; the router drains what is queued and then completes.</summary>
    public void Close()
    {
        closed = true;
        channel.Writer.TryComplete();
        Interlocked.Exchange(ref bytesFreed, NewSignal()).TrySetResult(); // writers waiting for bytes see it closed
    }

    private async Task WaitForBytesAsync(long size, CancellationToken cancellationToken)
    {
        // Counted as waiting, then the signal taken, then the bytes checked: a read that frees bytes after that check
        // sees the count and completes this very signal, so no wake-up is lost.
        Interlocked.Increment(ref waitingWriters);
        try
        {
            while (true)
            {
                var freed = Volatile.Read(ref bytesFreed).Task;
                if (closed)
                {
                    throw new ChannelClosedException();
                }

                if (TryReserve(size))
                {
                    return;
                }

                await freed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref waitingWriters);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Counts the bytes in unless that would pass <see cref="MaxBytes"/> (an empty queue takes any message).</summary>
    private bool TryReserve(long size)
    {
        var after = Interlocked.Add(ref bytes, size);
        if (after <= MaxBytes || after == size)
        {
            return true;
        }

        Interlocked.Add(ref bytes, -size);
        return false;
    }

    private void Release(long size)
    {
        Interlocked.Add(ref bytes, -size);
        Signal();
    }

    /// <summary>
    /// Wakes the writers waiting for bytes once a quarter of the bound is free (or the queue is empty), not at every
    /// message read: woken at the edge, each would queue one message and wait again, a thread-pool hop per message.
    /// </summary>
    private void Signal()
    {
        // Interlocked.Add in Release fenced the bytes freed before these reads.
        if (Volatile.Read(ref waitingWriters) > 0 && Interlocked.Read(ref bytes) <= MaxBytes - (MaxBytes / 4))
        {
            Interlocked.Exchange(ref bytesFreed, NewSignal()).TrySetResult();
        }
    }

    /// <summary>The channel's reader, but every message read gives its bytes back to the queue.</summary>
    private sealed class CountingReader(IngestQueue queue) : ChannelReader<SyslogMessage>
    {
        private readonly ChannelReader<SyslogMessage> inner = queue.channel.Reader;

        public override Task Completion => inner.Completion;

        public override bool CanCount => true;

        public override int Count => inner.Count;

        public override bool TryRead([MaybeNullWhen(false)] out SyslogMessage item)
        {
            if (!inner.TryRead(out item))
            {
                return false;
            }

            queue.Release(RouterActor.MessageBytes(item));
            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            inner.WaitToReadAsync(cancellationToken);
    }
}
