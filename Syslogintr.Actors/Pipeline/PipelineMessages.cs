using Syslogintr.Ingest;

namespace Syslogintr.Pipeline;

/// <summary>Messages the router hands to one consumer in one actor message. The consumer answers <see cref="BatchDone"/>.</summary>
public sealed record MessageBatch(IReadOnlyList<SyslogMessage> Messages);

/// <summary>A consumer finished a <see cref="MessageBatch"/>; the router may send it another.</summary>
public sealed record BatchDone
{
    public static readonly BatchDone Instance = new();
}

/// <summary>Decides, in C# and before any actor hop, whether a consumer wants a message.</summary>
public interface IMessageFilter
{
    bool Accepts(SyslogMessage message);
}

/// <summary>Accepts every message.</summary>
public sealed class AcceptAll : IMessageFilter
{
    public static readonly AcceptAll Instance = new();

    public bool Accepts(SyslogMessage message) => true;
}

/// <summary>
/// Registers a consumer (a sink or a rule worker) with the router. At most <paramref name="MaxMessagesInFlight"/>
/// messages are outstanding to it (handed over, batch not yet acknowledged); beyond that the router drops the
/// consumer's share and counts it, so a stuck consumer costs a counted drop, never a stalled pipeline. Credit is
/// counted in messages, not batches: at low rates every message is a batch of its own.
/// </summary>
public sealed record Subscribe(string Name, Akka.Actor.IActorRef Consumer, IMessageFilter Filter, int MaxMessagesInFlight = 32768);

/// <summary>The router's answer to <see cref="Subscribe"/>: from now on the consumer receives what its filter accepts.</summary>
public sealed record Subscribed(string Name);

/// <summary>Removes a consumer; its counters stay reported.</summary>
public sealed record Unsubscribe(Akka.Actor.IActorRef Consumer);

/// <summary>Sent by the router to the asker once the closed queue is empty and every consumer acknowledged its batches (or the deadline passed).</summary>
public sealed record Drained(long Outstanding);

/// <summary>Ask the router to drain; answered with <see cref="Drained"/>.</summary>
public sealed record Drain(TimeSpan Deadline);
