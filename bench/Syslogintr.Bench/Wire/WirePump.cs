using Akka.Actor;
using Syslogintr.Ingest;

namespace Syslogintr.Bench.Wire;

/// <summary>
/// The sending node: keeps a fixed number of messages in flight to the receiver (credit, as a node's router keeps
/// per destination) either as batches or as one message per Tell, and counts what the receiver acknowledged.
/// </summary>
public sealed class WirePump : ReceiveActor
{
    /// <summary>Messages in flight: 16 batches of 1024, 64 of 256, 1024 of 16, or 64 runs of 256 single messages.</summary>
    public const int InFlight = 16 * 1024;

    private readonly IActorRef receiver;
    private readonly SyslogMessage[] messages;
    private long acknowledged;
    private int inFlight;
    private int next;
    private long sequence;
    private int batchSize;
    private bool running;
    private IActorRef? drained;

    public WirePump(IActorRef receiver, SyslogMessage[] messages)
    {
        this.receiver = receiver;
        this.messages = messages;
        Receive<Start>(start =>
        {
            (batchSize, running, drained) = (start.BatchSize, true, null);
            while (inFlight < InFlight)
            {
                SendMore();
            }
        });
        Receive<WireAck>(ack =>
        {
            inFlight -= ack.Messages;
            acknowledged += ack.Messages;
            if (running)
            {
                while (inFlight < InFlight)
                {
                    SendMore();
                }
            }
            else if (inFlight == 0)
            {
                drained?.Tell(Done.Instance);
            }
        });
        Receive<Stop>(_ =>
        {
            (running, drained) = (false, Sender);
            if (inFlight == 0)
            {
                Sender.Tell(Done.Instance);
            }
        });
        Receive<Ask>(_ => Sender.Tell(acknowledged));
    }

    /// <summary>One batch, or <see cref="WireReceiver.AckEvery"/> single messages (the receiver acknowledges those in runs).</summary>
    private void SendMore()
    {
        if (batchSize > 1)
        {
            var batch = new SyslogMessage[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                batch[i] = Next();
            }

            receiver.Tell(new WireBatch(++sequence, batch), Self);
            inFlight += batchSize;
            return;
        }

        for (var i = 0; i < WireReceiver.AckEvery; i++)
        {
            receiver.Tell(Next(), Self);
        }

        inFlight += WireReceiver.AckEvery;
    }

    private SyslogMessage Next()
    {
        var message = messages[next];
        next = (next + 1) % messages.Length;
        return message;
    }

    public sealed record Start(int BatchSize);

    public sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    public sealed record Done
    {
        public static readonly Done Instance = new();
    }

    /// <summary>Asks how many messages were acknowledged so far.</summary>
    public sealed record Ask
    {
        public static readonly Ask Instance = new();
    }
}
