using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Pattern;
using Syslogintr.Hosting;

namespace Syslogintr.Rules;

/// <summary>Starts one worker per rule instance, each under its own backoff supervisor (<c>/user/rule-NAME[-i]</c>).</summary>
public static class RulesHosting
{
    /// <summary>The dispatcher rule workers run on, so a blocking trusted script ties up rule threads only.</summary>
    public const string Dispatcher = "akka.actor.rule-dispatcher";

    /// <summary>Call after the router is registered. Relative script paths resolve against <paramref name="baseDirectory"/> (default: the working directory).</summary>
    public static AkkaConfigurationBuilder AddRules(this AkkaConfigurationBuilder builder, Config config, NodeServices node, string? baseDirectory = null)
    {
        var rules = RuleDefinition.AllFrom(config, baseDirectory ?? Directory.GetCurrentDirectory());
        foreach (var rule in rules.Where(r => !File.Exists(r.ScriptPath)))
        {
            throw new StartupException($"rule '{rule.Name}': script {rule.ScriptPath} does not exist");
        }

        if (rules.Count == 0)
        {
            return builder;
        }

        var maxConsecutiveErrors = config.GetInt("syslogintr.rule-defaults.max-consecutive-errors", 1000);
        return builder.WithActors((system, registry) =>
        {
            var router = registry.Get<RouterKey>();
            foreach (var rule in rules)
            {
                for (var i = 0; i < rule.Instances; i++)
                {
                    var worker = RuleWorkerActor.Props(rule, i, node, router, registry, maxConsecutiveErrors);
                    if (system.Settings.Config.HasPath(Dispatcher))
                    {
                        worker = worker.WithDispatcher(Dispatcher);
                    }

                    var supervised = BackoffSupervisor.Props(
                        Backoff.OnFailure(worker, "worker", rule.RestartMinBackoff, rule.RestartMaxBackoff, 0.2, -1)
                            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart)));
                    system.ActorOf(supervised, rule.Instances == 1 ? $"rule-{rule.Name}" : $"rule-{rule.Name}-{i}");
                }
            }
        });
    }
}
