using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Pipeline;

/// <summary>Messages the router hands to one consumer in one actor message. The consumer answers <see cref="BatchDone"/>.</summary>
public sealed record MessageBatch(IReadOnlyList<SyslogMessage> Messages);

/// <summary>A consumer finished a <see cref="MessageBatch"/>; the router may send it another.</summary>
public sealed record BatchDone
{
    public static readonly BatchDone Instance = new();
}

/// <summary>
/// Registers a consumer (a sink or a rule worker) with the router. At most <paramref name="MaxMessagesInFlight"/>
/// messages are outstanding to it (handed over, batch not yet acknowledged); what happens beyond that is its
/// <paramref name="OnLag"/> policy. <paramref name="Filter"/> and <paramref name="Partition"/> are plain data: the
/// router compiles them into a <see cref="MessageFilter"/> when the consumer subscribes. Credit is counted in messages, not batches: at low rates every message is a
/// batch of its own. A consumer that stops (a rule worker restarting) stays registered under its
/// <paramref name="Name"/>: its share is dropped and counted until an actor subscribes under that name again.
/// </summary>
public sealed record Subscribe(string Name, Akka.Actor.IActorRef Consumer, FilterSpec Filter, int MaxMessagesInFlight, OnLag OnLag = OnLag.Drop, Partition? Partition = null);

/// <summary>What the router does when a consumer is out of credit (<c>on-lag</c> in the configuration).</summary>
public enum OnLag
{
    /// <summary>Drop the consumer's share and count it; the other consumers are not slowed.</summary>
    Drop,

    /// <summary>
    /// Stop pulling from the ingest queue until the consumer has credit again: the queue fills, TCP connections wait,
    /// datagrams are dropped and counted at the queue. Every other consumer waits too.
    /// </summary>
    Backpressure,
}

/// <summary>Reads an <c>on-lag</c> setting.</summary>
public static class OnLagSetting
{
    /// <summary>The policy named <paramref name="value"/>, or <paramref name="fallback"/> when it is empty; a message naming <paramref name="key"/> otherwise.</summary>
    public static OnLag Parse(string key, string? value, OnLag fallback) => value switch
    {
        null or "" => fallback,
        "drop" => OnLag.Drop,
        "backpressure" => OnLag.Backpressure,
        _ => throw new FormatException($"'{key}' must be backpressure or drop, not '{value}'"),
    };
}

/// <summary>The router's answer to <see cref="Subscribe"/>: from now on the consumer receives what its filter accepts.</summary>
public sealed record Subscribed(string Name);

/// <summary>Every consumer of a node that started its listeners first has subscribed: a held router starts routing.</summary>
public sealed record ConsumersReady
{
    public static readonly ConsumersReady Instance = new();

    private ConsumersReady()
    {
    }
}

/// <summary>
/// Routes nothing more to a consumer; its counters stay reported. Answered with <see cref="Unsubscribed"/> once it
/// has acknowledged every batch it was handed (or stopped, what it held counted as dropped): then it may be stopped
/// without losing a message. <paramref name="Abandon"/>: it will acknowledge nothing more (a tail viewer that
/// disconnected), so what it holds is counted as dropped (reason lagging) and the answer comes at once.
/// </summary>
public sealed record Unsubscribe(Akka.Actor.IActorRef Consumer, bool Abandon = false);

/// <summary>Asks the router whom it routes to now; answered with <see cref="CurrentConsumers"/>.</summary>
public sealed record GetConsumers
{
    public static readonly GetConsumers Instance = new();

    private GetConsumers()
    {
    }
}

/// <summary>The names of the consumers subscribed now (a stopped rule worker's included: its name stays registered).</summary>
public sealed record CurrentConsumers(IReadOnlyList<string> Names);

/// <summary>The router's answer to <see cref="Unsubscribe"/>: the consumer holds nothing of the router's any more.</summary>
public sealed record Unsubscribed(Akka.Actor.IActorRef Consumer);

/// <summary>
/// Sent by the router to the asker once the closed queue is empty and every consumer acknowledged its batches, or
/// when the deadline passed: then what was still queued or unacknowledged is counted as dropped (reason shutdown)
/// per consumer, and <paramref name="Dropped"/> is that number of messages.
/// </summary>
public sealed record Drained(long Dropped);

/// <summary>Ask the router to drain; answered with <see cref="Drained"/>.</summary>
public sealed record Drain(TimeSpan Deadline);
