using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Pattern;
using Syslogintr.Hosting;
using Syslogintr.Rules.Distributed;

namespace Syslogintr.Rules;

/// <summary>Starts one worker per rule instance, each under its own backoff supervisor (<c>/user/rule-NAME[-i]</c>).</summary>
public static class RulesHosting
{
    /// <summary>The dispatcher rule workers run on: pinned, a thread per worker, so a stuck rule ties up its own thread only.</summary>
    public const string Dispatcher = "syslogintr.dispatchers.rules";

    /// <summary>
    /// The rules of <c>syslogintr.rules</c>, checked before the actor system starts: a bad entry or a missing
    /// script stops the node with a clear message. Relative paths resolve against <paramref name="baseDirectory"/>
    /// (default: the working directory), else against the binary's folder.
    /// </summary>
    public static IReadOnlyList<RuleDefinition> Validate(Config config, string? baseDirectory = null)
    {
        IReadOnlyList<RuleDefinition> rules;
        try
        {
            rules = RuleDefinition.AllFrom(config, baseDirectory ?? Directory.GetCurrentDirectory());
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }

        foreach (var rule in rules.Where(r => !File.Exists(r.ScriptPath)))
        {
            throw new StartupException($"rule '{rule.Name}': script {rule.ScriptPath} does not exist");
        }

        return rules;
    }

    /// <summary>
    /// Loads every rule instance's script before the actor system starts (and so before any listener opens): the
    /// first that does not load (syntax error, error or budget overrun at its top level, no <c>log</c>, not done
    /// within <c>startup-timeout</c>) throws a <see cref="StartupException"/> naming rule, file and reason.
    /// </summary>
    /// <remarks>
    /// A partitioned or singleton rule of a cluster node is loaded once, as a check, and closed: its buckets load
    /// their own states where sharding places them.
    /// </remarks>
    public static IReadOnlyList<LoadedScript> LoadScripts(RulesSettings settings, IReadOnlyList<RuleDefinition> rules, NodeServices node, Action<RuleDefinition, TimeSpan>? stillLoading = null)
    {
        foreach (var rule in rules.Where(r => !DistributedRulesHosting.RunsLocally(r, node.Cluster)))
        {
            LoadedScript.Load(rule, 0, node, settings.StartupTimeout, stillLoading).Discard();
        }

        return [.. rules.Where(r => DistributedRulesHosting.RunsLocally(r, node.Cluster))
            .SelectMany(rule => Enumerable.Range(0, rule.Instances).Select(i => LoadedScript.Load(rule, i, node, settings.StartupTimeout, stillLoading)))];
    }

    /// <summary>
    /// Call after the router and the action actors are registered and before listeners open: starts a worker per
    /// loaded script, and the shard regions and forwarders of partitioned and singleton rules (see
    /// <see cref="DistributedRulesHosting"/>), and returns once each has subscribed, so rules see the first message.
    /// </summary>
    public static async Task<RunningRules> StartRulesAsync(ActorSystem system, IReadOnlyActorRegistry registry, IReadOnlyList<LoadedScript> scripts, IReadOnlyList<RuleDefinition> rules, NodeServices node, RulesSettings settings, DistributedRuleSettings distributed, PipelineSettings pipeline)
    {
        if (rules.Count > 0)
        {
            // Which Lua the scripts got matters to them: the bundled one has no io.popen and no Debian C modules.
            system.Log.Info("rules run on the Lua library {0}", LuaLibrary.Description);
        }

        await DistributedRulesHosting.StartAsync(system, registry, rules, node, settings, distributed, pipeline);
        var running = new RunningRules(system, registry.Get<RouterKey>(), ActionTargets.From(registry), node, settings, pipeline);

        // Cleanup shares the shutdown's drain-timeout with the drain that follows it (see SyslogintrHosting): a rule
        // stuck in a loop may take half of it, the drain has the rest.
        var cleanupTimeout = pipeline.DrainTimeout / 2;
        CleanUpOnShutdown(system, running, settings.StartupTimeout < cleanupTimeout ? settings.StartupTimeout : cleanupTimeout);
        var started = scripts.GroupBy(s => s.Rule).SelectMany(g => running.Start(g.Key, [.. g])).ToList();
        try
        {
            await Task.WhenAll(started);
        }
        catch (AskTimeoutException)
        {
            system.Log.Error("a rule did not subscribe within {0}; the node goes on without it while its supervisor retries", settings.StartupTimeout);
        }

        return running;
    }

    /// <summary>
    /// While the listeners unbind, before the ingest queue is closed and drained, every rule's <c>cleanup()</c> runs,
    /// so what it logs with <c>syslog()</c> still reaches the sinks (the original logged its cleanup too).
    /// Messages still queued then reach <c>log()</c> after <c>cleanup()</c>.
    /// </summary>
    private static void CleanUpOnShutdown(ActorSystem system, RunningRules rules, TimeSpan timeout) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "rules-cleanup", async () =>
        {
            try
            {
                await Task.WhenAll(rules.Supervisors.Select(w => w.Ask<RuleCleanedUp>(RunCleanup.Instance, timeout)));
            }
            catch (AskTimeoutException)
            {
                system.Log.Warning("a rule's cleanup() did not finish within {0}; the node stops without waiting for it", timeout);
            }

            return Akka.Done.Instance;
        });

    /// <summary>
    /// A worker under a backoff supervisor: whatever it throws (a script that keeps failing), it is restarted, later
    /// each time. <paramref name="finalStopMessage"/> (a cluster bucket's hand-off) is passed to the worker, and the
    /// supervisor stops once the worker has.
    /// </summary>
    public static Props Supervised(Props worker, RuleDefinition rule, object? finalStopMessage = null)
    {
        var options = Backoff.OnFailure(worker, "worker", rule.RestartMinBackoff, rule.RestartMaxBackoff, 0.2, -1)
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart));
        return BackoffSupervisor.Props(finalStopMessage is null ? options : options.WithFinalStopMessage(finalStopMessage.Equals));
    }
}
