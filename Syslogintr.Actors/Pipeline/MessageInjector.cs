using Syslogintr.Ingest;
using Syslogintr.Metrics;

namespace Syslogintr.Pipeline;

/// <summary>
/// Puts internal messages (see <see cref="InternalMessages"/>) into the ingest queue for one producer, counting under
/// that producer's names. Never waits: an actor's thread must not stall on a full queue (a rule that waits for the
/// router it feeds would deadlock), so a full queue is a counted drop, as for a datagram listener.
/// </summary>
public sealed class MessageInjector(IngestQueue queue, InjectionCounters counters)
{
    /// <summary>False when the queue was full (or closed) and the message was dropped and counted.</summary>
    public bool Inject(SyslogMessage message)
    {
        counters.Offered(message.Message.Length);
        if (queue.TryEnqueue(message))
        {
            return true;
        }

        counters.Dropped();
        return false;
    }

    /// <summary>A message refused at the generation limit (<see cref="InternalMessages.BeyondLimit"/>): counted, not injected.</summary>
    public void Refuse(SyslogMessage message) => counters.Refused();
}

/// <summary>What a producer of internal messages counts, under the names its users already know.</summary>
public sealed record InjectionCounters(Action<int> Offered, Action Dropped, Action Refused)
{
    /// <summary>A rule's <c>syslog()</c>: <c>injections_dropped</c> and <c>injections_refused</c>.</summary>
    public static InjectionCounters Of(RuleCounters rule) => new(_ => { }, rule.OnDroppedInjection, rule.OnRefusedInjection);

    /// <summary>A component that logs like a listener (probes): received and dropped; nothing of it is ever refused.</summary>
    public static InjectionCounters Of(ListenerCounters listener) => new(listener.OnReceived, listener.OnDropped, () => { });
}
