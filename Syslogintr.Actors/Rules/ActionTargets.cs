using Akka.Actor;
using Akka.Hosting;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Sinks;

namespace Syslogintr.Rules;

/// <summary>
/// The actors a rule's actions go to, resolved once when the node starts (every stage registers before rules and
/// probes start) and handed to each worker through its Props; null for a stage not running on this node.
/// </summary>
public sealed record ActionTargets(IActorRef? Alerts, IActorRef? Ban, IActorRef? Exec, IActorRef? Write, IActorRef? Relay)
{
    /// <summary>No action actor at all: each action is logged as not done.</summary>
    public static readonly ActionTargets None = new(null, null, null, null, null);

    public static ActionTargets From(IReadOnlyActorRegistry registry) => new(
        Find<AlertsKey>(registry),
        Find<BanKey>(registry),
        Find<ExecKey>(registry),
        Find<FileWriteKey>(registry),
        Find<RelayKey>(registry));

    private static IActorRef? Find<TKey>(IReadOnlyActorRegistry registry) => registry.TryGet<TKey>(out var actor) ? actor : null;
}
