using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Syslogintr.Hosting.Checking;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Hosting.Reload;

/// <summary>
/// On <see cref="ReloadRequested"/> (<c>syslogintr reload</c>, SIGUSR1) reads the node's configuration again, the
/// way it was read at start, and applies what can change live: sinks, rules, probes, alerts and mail. A
/// configuration with a problem changes nothing (each problem logged as <c>FILE:LINE: key: sentence</c>); a changed
/// key that only a restart applies is logged, one line each. Rules re-read their changed scripts themselves. One
/// reload at a time: the actor takes the next request once the previous one is applied. Its starter subscribes it to
/// <see cref="ReloadRequested"/>.
/// </summary>
public sealed class ConfigReloadActor : ReceiveActor
{
    private readonly Func<Config> read;
    private readonly IReadOnlyDictionary<string, string> started;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly LiveStages stages;
    private Config running;

    public ConfigReloadActor(Func<Config> read, Config running, LiveStages stages)
    {
        this.read = read;
        this.running = running;
        this.stages = stages;
        started = ConfigKeys.Leaves(running);
        ReceiveAsync<ReloadRequested>(_ => ReloadAsync());
    }

    /// <param name="read">Reads and checks the configuration as at start; throws <see cref="ConfigProblemsException"/> for a broken one.</param>
    /// <param name="running">The configuration the node started with, defaults included.</param>
    public static Props Props(Func<Config> read, Config running, LiveStages stages) =>
        Akka.Actor.Props.Create(() => new ConfigReloadActor(read, running, stages));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private async Task ReloadAsync()
    {
        Config next;
        RunningRules.Prepared? rules;
        SinkSettings sinks;
        IReadOnlyList<ProbeSettings> probes;
        Alerts.AlertsSetup alerts;
        try
        {
            // Checking compiles every script and loading runs them: off this actor's thread.
            (next, rules, sinks, probes, alerts) = await Task.Run(() =>
            {
                var config = DefaultSettings.Under(read());
                return (config, stages.Rules?.Prepare(running, config), SinksHosting.Validate(config), ProbesHosting.Validate(config), Alerts.AlertsHosting.Validate(config));
            });
        }
        catch (Exception e) when (e is ConfigProblemsException or StartupException or ConfigurationException or SettingsException or IOException or UnauthorizedAccessException)
        {
            IReadOnlyList<string> problems = e is ConfigProblemsException p ? [.. p.Problems.Select(x => x.ToString())] : [e.Message];
            foreach (var problem in problems)
            {
                log.Error("{0}", problem);
            }

            log.Error("configuration not reloaded: {0} problem(s); the node keeps running the configuration it had", problems.Count);
            Context.System.EventStream.Publish(new ConfigReloadRefused(problems));
            return;
        }

        var restartNeeded = ConfigKeys.RestartNeeded(started, ConfigKeys.Leaves(next))
            .Concat((rules?.RestartNeeded ?? []).Select(r => $"syslogintr.rules.{r} changed: needs a restart (a partitioned or singleton rule of a cluster)"))
            .ToList();
        foreach (var line in restartNeeded)
        {
            log.Warning("{0}", line);
        }

        var changes = new List<string>();
        try
        {
            changes.AddRange(await stages.Sinks.ApplyAsync(running, next, sinks, log));
            if (rules is not null && stages.Rules is not null)
            {
                changes.AddRange(await stages.Rules.ApplyAsync(rules, log));
            }

            changes.AddRange(stages.ApplyProbes(running, next, probes));
            changes.AddRange(stages.ApplyAlerts(running, next, alerts));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or InvalidActorNameException)
        {
            // A stage that did not answer (a sink that could not subscribe, an actor name still taken):
            // what was applied stays; say so plainly, and the reload still ends with its outcome published.
            log.Error("configuration reload stopped half-way ({0}); applied so far: {1}; a restart applies the whole file", e.Message, changes.Count == 0 ? "nothing" : string.Join(", ", changes));
        }

        running = next;
        log.Info("configuration reloaded: {0}", changes.Count == 0 ? "no live setting changed" : string.Join(", ", changes));
        Context.System.EventStream.Publish(new ConfigReloaded(changes, restartNeeded));
    }
}
