using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Pattern;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Reload;
using Syslogintr.Pipeline;
using Syslogintr.Rules.Distributed;

namespace Syslogintr.Rules;

/// <summary>
/// The local rules a node runs: each rule's definition and the supervisors of its instances. A reload starts a
/// changed rule's new instances before it retires the old ones: the router hands each message to exactly one of
/// them (a successor under the same consumer name takes over from the next batch) and each old instance finishes
/// what it holds before it stops, so no message is lost. Read by the shutdown's cleanup, written by the reload.
/// </summary>
public sealed class RunningRules(ActorSystem system, IActorRef router, ActionTargets actions, NodeServices node, RulesSettings settings, PipelineSettings pipeline)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (RuleDefinition Rule, IReadOnlyList<IActorRef> Supervisors)> rules = [];
    private int generation;

    /// <summary>The supervisor of every instance running now.</summary>
    public IReadOnlyList<IActorRef> Supervisors
    {
        get
        {
            lock (gate)
            {
                return [.. rules.Values.SelectMany(r => r.Supervisors)];
            }
        }
    }

    public IReadOnlyCollection<string> Names
    {
        get
        {
            lock (gate)
            {
                return [.. rules.Keys];
            }
        }
    }

    /// <summary>Starts a supervised worker for each of <paramref name="scripts"/> (one rule's instances, loaded); answers once each has subscribed.</summary>
    public IReadOnlyList<Task> Start(RuleDefinition rule, IReadOnlyList<LoadedScript> scripts)
    {
        var suffix = generation == 0 ? "" : $"~{generation}";
        var supervisors = new List<IActorRef>();
        var started = new List<Task>();
        foreach (var script in scripts)
        {
            var worker = RuleWorkerActor.Props(rule, script.Index, node, router, actions, settings.MaxConsecutiveErrors, pipeline.MaxMessagesInFlight, script)
                .WithDispatcher(RulesHosting.Dispatcher);
            var name = (rule.Instances == 1 ? $"rule-{rule.Name}" : $"rule-{rule.Name}-{script.Index}") + suffix;
            var supervisor = system.ActorOf(RulesHosting.Supervised(worker, rule), name);
            started.Add(supervisor.Ask<RuleStats>(GetRuleStats.Instance, settings.StartupTimeout));
            supervisors.Add(supervisor);
        }

        lock (gate)
        {
            rules[rule.Name] = (rule, supervisors);
        }

        return started;
    }

    /// <summary>
    /// Applies <paramref name="next"/>'s rules (checked and loaded by <see cref="Prepare"/>): new ones start, removed
    /// ones stop, changed ones are replaced; returns a phrase per change for the log.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(Prepared next, ILoggingAdapter log)
    {
        generation++;
        var changes = new List<string>();
        var retired = new List<IActorRef>();
        foreach (var (rule, scripts) in next.Load)
        {
            IReadOnlyList<IActorRef> old;
            lock (gate)
            {
                old = rules.TryGetValue(rule.Name, out var running) ? running.Supervisors : [];
            }

            // Workers answer once the router has them: from then on the old instances are routed nothing more.
            var retiring = await CurrentWorkersAsync(old);
            try
            {
                await Task.WhenAll(Start(rule, scripts));
            }
            catch (AskTimeoutException)
            {
                log.Error("rule '{0}' did not subscribe within {1}; its supervisor retries", rule.Name, settings.StartupTimeout);
            }

            await RetireAsync(retiring, log);
            retired.AddRange(old);
            changes.Add(old.Count == 0 ? $"rule {rule.Name} added" : $"rule {rule.Name} changed");
        }

        foreach (var name in next.Removed)
        {
            IReadOnlyList<IActorRef> old;
            lock (gate)
            {
                old = rules.Remove(name, out var running) ? running.Supervisors : [];
            }

            await RetireAsync(await CurrentWorkersAsync(old), log);
            retired.AddRange(old);
            changes.Add($"rule {name} removed");
        }

        // A stopping worker runs cleanup(), as at shutdown.
        foreach (var supervisor in retired)
        {
            supervisor.Tell(PoisonPill.Instance);
        }

        return changes;
    }

    /// <summary>
    /// Which rules of <paramref name="next"/> are new or changed (their entry or <c>rule-defaults</c>), each loaded
    /// (a script that does not load throws a <see cref="StartupException"/>: nothing is applied), and which are gone.
    /// </summary>
    public Prepared Prepare(Config running, Config next)
    {
        // A partitioned or singleton rule of a cluster node runs in buckets sharding places: only a restart changes it.
        var all = RulesHosting.Validate(next);
        var definitions = all.Where(r => DistributedRulesHosting.RunsLocally(r, node.Cluster)).ToList();
        IReadOnlyList<string> distributed = !node.Cluster.Enabled ? [] : RuleDefinition.AllFrom(running, Directory.GetCurrentDirectory()).Concat(all).Where(r => !DistributedRulesHosting.RunsLocally(r, node.Cluster)).Select(r => r.Name).Distinct()
            .Where(n => ConfigKeys.Changed(running, next, $"syslogintr.rules.{n}")).ToList();
        var defaultsChanged = ConfigKeys.Changed(running, next, "syslogintr.rule-defaults");
        var names = Names;
        var load = definitions
            .Where(r => !names.Contains(r.Name) || defaultsChanged || ConfigKeys.Changed(running, next, $"syslogintr.rules.{r.Name}"))
            .ToList();
        var loaded = RulesHosting.LoadScripts(settings, load, node);
        return new Prepared(
            [.. load.Select(r => (r, (IReadOnlyList<LoadedScript>)[.. loaded.Where(s => s.Rule == r)]))],
            [.. names.Where(n => definitions.All(r => r.Name != n))],
            distributed);
    }

    private async Task<IReadOnlyList<IActorRef>> CurrentWorkersAsync(IReadOnlyList<IActorRef> supervisors)
    {
        var workers = new List<IActorRef>();
        foreach (var supervisor in supervisors)
        {
            var current = await supervisor.Ask<BackoffSupervisor.CurrentChild>(BackoffSupervisor.GetCurrentChild.Instance, settings.StartupTimeout);
            if (current.Ref is { } worker && !worker.IsNobody())
            {
                workers.Add(worker);
            }
        }

        return workers;
    }

    /// <summary>Routes nothing more to <paramref name="workers"/> and waits until each acknowledged what it holds (at most drain-timeout).</summary>
    private async Task RetireAsync(IReadOnlyList<IActorRef> workers, ILoggingAdapter log)
    {
        try
        {
            await Task.WhenAll(workers.Select(w => router.Ask<Unsubscribed>(new Unsubscribe(w), pipeline.DrainTimeout)));
        }
        catch (AskTimeoutException)
        {
            log.Warning("a replaced rule did not finish its messages within drain-timeout {0}; it stops anyway, what it held counted as dropped", pipeline.DrainTimeout);
        }
    }

    /// <summary>What a reload does to the rules: these load (new or changed), those stop; the cluster's partitioned or singleton rules that changed wait for a restart.</summary>
    public sealed record Prepared(IReadOnlyList<(RuleDefinition Rule, IReadOnlyList<LoadedScript> Scripts)> Load, IReadOnlyList<string> Removed, IReadOnlyList<string> RestartNeeded);
}
