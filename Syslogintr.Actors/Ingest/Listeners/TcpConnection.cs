using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Framing;
using Syslogintr.Ingest.Listeners.Tls;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Metrics;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// One accepted TCP/TLS connection, read with asynchronous socket I/O: an idle connection holds no thread and no
/// read buffer (it waits with a zero-byte read). Frames (RFC 6587, octet-counting or LF, detected per frame),
/// parses, and awaits room in the ingest queue when it is full, which stops reading this connection only. The
/// listener closes it when its <see cref="Deadline"/> passes (see <see cref="ListenerSettings"/>), on EOF, on a
/// failed TLS handshake (counted), or when the listener stops.
/// </summary>
internal sealed class TcpConnection(
    Socket socket,
    ListenerSettings settings,
    NodeServices node,
    ListenerCounters counters,
    TlsServer? tls,
    CancellationToken aborted,
    ILoggingAdapter log,
    Action<TcpConnection> closed)
{
    private const int ReadSize = 64 * 1024;

    private readonly List<SyslogMessage> parsed = [];
    private Task reader = Task.CompletedTask;
    private volatile bool draining;
    private volatile bool expired;
    private long deadline = long.MaxValue; // the reaper may look before Start
    private long lastMessageAt;
    private long frameStartedAt = -1;
    private bool framedOnce;
    private long reportedFramingErrors;
    private long reportedAbortedFrames;

    /// <summary>When (<see cref="Environment.TickCount64"/>) the connection is cut unless it makes progress first.</summary>
    public long Deadline => Volatile.Read(ref deadline);

    public void Start()
    {
        lastMessageAt = Environment.TickCount64;
        Volatile.Write(ref deadline, lastMessageAt + IdleLimit());

        // Off the accepting thread at once: a read that completes synchronously must not keep it from accepting.
        reader = Task.Run(RunAsync);
    }

    public void Close() => socket.Dispose();

    /// <summary>
    /// The deadline has passed: cut the connection (a FIN, not a reset: the sender sees an orderly close); a frame in
    /// progress is counted aborted.
    /// </summary>
    public void Expire()
    {
        expired = true;
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// The listener is stopping: finish reading what the sender already sent (the kernel acknowledged it, so it
    /// is ours to keep), then end. A connection with nothing buffered is closed at once.
    /// </summary>
    public void Drain()
    {
        draining = true;
        try
        {
            if (socket.Available == 0)
            {
                Close();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>False when the connection is still being read after <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => reader.Wait(timeout);

    private async Task RunAsync()
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var origin = new Origin(tls is null ? Transport.Tcp : Transport.Tls, address.ToString(), remote.Port, local.Address.ToString(), local.Port, settings.Name);
        var parser = new SyslogParser(node.Clock, node.HostName);
        var framer = new StreamFramer(settings.MaxMessageSize);
        FrameHandler onFrame = (frame, truncated) => Parse(parser, frame, truncated, origin);
        try
        {
            socket.NoDelay = true;
            await using var stream = await OpenAsync(origin);
            if (stream is not null)
            {
                await ReadAsync(stream, framer, onFrame, origin);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!draining && !expired)
            {
                log.Debug("listener {0}: connection from {1} ended: {2}", settings.Name, origin.RemoteAddress, e.Message);
            }

            await AbortAsync(framer, onFrame);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // Shutdown: the queue is closed; what this connection had not yet queued is the sender's to resend.
            framer.Abort((_, _) => { });
            Report(framer);
        }
        finally
        {
            socket.Dispose();
            closed(this);
        }
    }

    /// <summary>The plain stream, or the TLS stream after a successful handshake; null (counted) when the handshake fails.</summary>
    private async Task<Stream?> OpenAsync(Origin origin)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        return tls is null ? network : await tls.AuthenticateAsync(network, origin.RemoteAddress, aborted);
    }

    private async Task ReadAsync(Stream stream, StreamFramer framer, FrameHandler onFrame, Origin origin)
    {
        var filledLastBuffer = false;
        while (true)
        {
            // Wait for data without a buffer: a thousand idle connections hold no 64 KiB each. A sender that filled
            // the last buffer has more coming: read again at once rather than pay a second wait per read.
            if (!filledLastBuffer)
            {
#pragma warning disable CA2022 // a zero-byte read returns when data is there (or at EOF); it is meant to read nothing
                await stream.ReadAsync(Memory<byte>.Empty);
#pragma warning restore CA2022
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            try
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize));
                if (read == 0)
                {
                    break;
                }

                counters.OnBytes(read);
                filledLastBuffer = read == ReadSize;
                framer.Push(buffer.AsSpan(0, read), onFrame);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var delivered = parsed.Count > 0;
            await EnqueueParsedAsync();
            Reschedule(framer, delivered);
            if (draining && socket.Available == 0)
            {
                break;
            }
        }

        if (expired)
        {
            log.Debug("listener {0}: {1} sent no message in time (idle, first-frame or frame timeout), closed", settings.Name, origin.RemoteAddress);
            await AbortAsync(framer, onFrame);
            return;
        }

        framer.Complete(onFrame);
        Report(framer);
        await EnqueueParsedAsync();
    }

    /// <summary>Reset, expired, or cut at shutdown: the frame in progress is aborted, and what came of it still delivered.</summary>
    private async Task AbortAsync(StreamFramer framer, FrameHandler onFrame)
    {
        framer.Abort(onFrame);
        Report(framer);
        try
        {
            await EnqueueParsedAsync();
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Moves the deadline after a read: idle-timeout on from the last message, frame-timeout from a frame's first
    /// byte. Both count from after the messages were queued: time spent waiting for room is ours, not the sender's.
    /// </summary>
    private void Reschedule(StreamFramer framer, bool delivered)
    {
        var now = Environment.TickCount64;
        if (delivered)
        {
            lastMessageAt = now;
            framedOnce = true;
            frameStartedAt = -1;
        }

        if (!framer.InFrame)
        {
            frameStartedAt = -1;
        }
        else if (frameStartedAt < 0)
        {
            frameStartedAt = now;
        }

        var next = lastMessageAt + IdleLimit();
        if (frameStartedAt >= 0)
        {
            next = Math.Min(next, frameStartedAt + Milliseconds(settings.FrameTimeout));
        }

        Volatile.Write(ref deadline, next);
        Report(framer);
    }

    private long IdleLimit() =>
        Milliseconds(framedOnce ? settings.IdleTimeout : TimeSpan.FromTicks(Math.Min(settings.IdleTimeout.Ticks, settings.FirstFrameTimeout.Ticks)));

    private static long Milliseconds(TimeSpan span) => (long)Math.Min(span.TotalMilliseconds, long.MaxValue / 4);

    /// <summary>Adds what the framer counted since the last report to the listener's counters.</summary>
    private void Report(StreamFramer framer)
    {
        counters.OnFramingErrors(framer.FramingErrors - reportedFramingErrors);
        counters.OnAbortedFrames(framer.AbortedFrames - reportedAbortedFrames);
        reportedFramingErrors = framer.FramingErrors;
        reportedAbortedFrames = framer.AbortedFrames;
    }

    private void Parse(SyslogParser parser, ReadOnlySpan<byte> frame, bool truncated, Origin origin)
    {
        counters.OnMessage();
        if (truncated)
        {
            counters.OnTruncated();
        }

        var message = parser.Parse(frame, origin, node.Clock.GetUtcNow(), truncated);
        if (!message.IsValid)
        {
            counters.OnParseError();
        }

        parsed.Add(message);
    }

    private async ValueTask EnqueueParsedAsync()
    {
        foreach (var message in parsed)
        {
            if (!node.Queue.TryEnqueue(message))
            {
                // Backpressure: this connection awaits (holding no thread); its sender's TCP window fills; nobody else is
                // affected. No deadline while we wait: the delay is ours.
                counters.OnBackpressure();
                Volatile.Write(ref deadline, long.MaxValue);
                await node.Queue.EnqueueAsync(message, aborted);
            }
        }

        parsed.Clear();
    }
}
