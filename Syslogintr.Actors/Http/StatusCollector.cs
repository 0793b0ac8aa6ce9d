using Akka.Actor;
using Akka.Hosting;
using Syslogintr.Actions;
using Syslogintr.Alerts;
using Syslogintr.Cluster;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Probes;

namespace Syslogintr.Http;

/// <summary>
/// Gathers <see cref="NodeStatus"/> and the health check: the counters from the node's metrics (which any thread
/// may read), everything else by asking the actor that owns it, each with a short timeout so that one busy actor
/// costs its section, not the page.
/// </summary>
internal sealed class StatusCollector(NodeServices node, ActorSystem system, IReadOnlyActorRegistry registry)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);

    public async Task<NodeStatus> CollectAsync(bool ready)
    {
        var unavailable = new List<string>();
        var listenersTask = AskAsync<ListenerStates>(Registered<ListenersKey>(), GetListenerStates.Instance);
        var probesTask = AskAsync<ProbeStates>(Find(node.Cluster.Enabled ? $"/user/{ProbesHosting.SchedulerName}/{ProbesHosting.SingletonName}" : $"/user/{ProbesHosting.SchedulerName}"), GetProbeStates.Instance);
        // On a single node the alert actor is what AlertsKey names; in a cluster that is a forwarder, and the
        // owner answers only on the node that hosts it.
        var alertsTask = AskAsync<AlertsReport>(
            node.Cluster.Enabled ? Find($"/user/{AlertsHosting.OwnerManagerName}/{AlertsHosting.OwnerName}") : Registered<AlertsKey>(),
            GetAlerts.Instance);
        var bansTask = AskAsync<BansHeld>(Registered<BanKey>(), GetBans.Instance);

        var listeners = await listenersTask;
        var probes = await probesTask;
        var alerts = await alertsTask;
        var bans = await bansTask;
        Note(unavailable, "listeners", listeners.Why);
        Note(unavailable, "probes", probes.Why);
        Note(unavailable, "alerts", alerts.Why);
        Note(unavailable, "bans", bans.Why);

        // The metrics also count what probes and rules inject ("probes"), which no socket carries: neither bound nor down.
        var bound = listeners.Answer?.Bound.ToHashSet() ?? [];
        var down = listeners.Answer?.Down.ToHashSet() ?? [];
        var metrics = node.Metrics;
        return new NodeStatus(
            node.HostName,
            node.Clock.GetUtcNow(),
            ready,
            [.. metrics.Listeners.Select(l => new ListenerLine(l.Name, bound.Contains(l.Name) ? true : down.Contains(l.Name) ? false : null, l.Received, l.Bytes, l.ParseErrors, l.Dropped, l.KernelDropped, l.Errors))],
            [.. metrics.Consumers.Select(c => new ConsumerLine(c.Name, c.Delivered, c.Dropped, c.InFlight))],
            [.. metrics.Rules.Select(r => new RuleLine(r.Name, r.Messages, r.Errors, r.Rebuilds, r.Reloads))],
            probes.Answer?.Probes.Select(p => new ProbeLine(p.Probe, p.Up, p.Since, p.At, p.Duration?.TotalSeconds, p.Detail)).ToList(),
            alerts.Answer?.Active.Select(a => new AlertLine(a.Key, a.Subject, a.Severity.ToString().ToLowerInvariant(), a.Source, a.RaisedAt, a.NotifiedAt)).ToList(),
            alerts.Answer?.UnsentMails,
            bans.Answer?.Bans.Select(b => new BanLine(b.Address, b.Until, b.Reason, b.Rule)).ToList(),
            unavailable);
    }

    /// <summary>Why the node is not healthy (a listener not bound, the router not answering); empty when it is.</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync()
    {
        var problems = new List<string>();
        var router = await AskAsync<ActorIdentity>(Registered<RouterKey>(), new Identify(null));
        if (router.Answer?.Subject is null)
        {
            problems.Add($"router: {router.Why ?? "not running"}");
        }

        // A cluster node without the ingest role runs no listeners: nothing to check.
        if (node.Cluster.Has(ClusterSettings.IngestRole))
        {
            var listeners = await AskAsync<ListenerStates>(Registered<ListenersKey>(), GetListenerStates.Instance);
            if (listeners.Answer is null)
            {
                problems.Add($"listeners: {listeners.Why}");
            }
            else
            {
                problems.AddRange(listeners.Answer.Down.Select(l => $"listener {l}: not bound"));
            }
        }

        return problems;
    }

    private static void Note(List<string> unavailable, string section, string? why)
    {
        if (why is not null)
        {
            unavailable.Add($"{section}: {why}");
        }
    }

    private Task<IActorRef?> Registered<TKey>() =>
        Task.FromResult(registry.TryGet<TKey>(out var actor) ? actor : null);

    /// <summary>The actor at <paramref name="path"/> on this node, or null at once when there is none (Identify answers for a missing local path too).</summary>
    private async Task<IActorRef?> Find(string path)
    {
        try
        {
            return (await system.ActorSelection(path).Ask<ActorIdentity>(new Identify(null), AskTimeout)).Subject;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static async Task<(T? Answer, string? Why)> AskAsync<T>(Task<IActorRef?> find, object question)
        where T : class
    {
        if (await find is not { } actor)
        {
            return (null, "not running on this node");
        }

        try
        {
            return (await actor.Ask<T>(question, AskTimeout), null);
        }
        catch (AskTimeoutException)
        {
            return (null, $"no answer within {AskTimeout.TotalSeconds:0.#} s");
        }
    }
}
