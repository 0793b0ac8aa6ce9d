using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Ingest;
using Syslogintr.Pipeline;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// Live effects: each action is a message to its actor, sent with no sender so replies never reach the rule.
/// The actors are looked up in the registry at each action (a dictionary read), so the order in which stages
/// register does not matter; an action whose actor is not running on this node is logged instead, never silently lost.
/// </summary>
public sealed class ActorRuleEffects(IReadOnlyActorRegistry registry, IngestQueue queue, ILoggingAdapter log, Action<TimeSpan> setAlarm) : IRuleEffects
{
    public long DroppedInjections { get; private set; }

    public void Alert(AlertRaised alert)
    {
        if (registry.TryGet<AlertsKey>(out var alerts))
        {
            alerts.Tell(alert, ActorRefs.NoSender);
        }
        else
        {
            log.Warning("rule {0} alert [{1}] {2}: {3}", alert.Source, alert.Severity, alert.Subject, alert.Body);
        }
    }

    public void Ban(BanRequested ban) => Send<BanKey>(ban, "ban", ban.Rule);

    public void Exec(ExecRequested exec) => Send<ExecKey>(exec, "exec", exec.Rule);

    public void Write(FileWriteRequested write) => Send<FileWriteKey>(write, "write", write.Rule);

    public void Relay(RelayRequested relay) => Send<RelayKey>(relay, "relay", relay.Rule);

    public void Inject(SyslogMessage message)
    {
        if (!queue.TryEnqueue(message))
        {
            DroppedInjections++;
        }
    }

    public void SetAlarm(TimeSpan interval) => setAlarm(interval);

    private void Send<TKey>(object request, string action, string rule)
    {
        if (registry.TryGet<TKey>(out var target))
        {
            target.Tell(request, ActorRefs.NoSender);
        }
        else
        {
            log.Warning("rule {0}: no {1} actor runs on this node; not done: {2}", rule, action, request);
        }
    }
}
