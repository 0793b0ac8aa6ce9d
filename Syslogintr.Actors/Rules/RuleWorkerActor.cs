using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;
using Syslogintr.Pipeline.Filtering;

namespace Syslogintr.Rules;

/// <summary>
/// One instance of a rule: owns one <see cref="LuaRule"/> (one Lua state), created when the actor starts and
/// closed when it stops, touched only from this actor. Subscribes itself to the router with the rule's match
/// (and, in a pool, its share of the partition key), calls <c>log</c> for each message of a batch and answers
/// <see cref="BatchDone"/>. A Lua error costs that one message; a rule that keeps failing throws so its
/// <see cref="Akka.Pattern.BackoffSupervisor"/> restarts it, later each time. Running the state (budgets, the error
/// accounting, a stuck rule's skipped messages) is <see cref="RuleRunner"/>'s, shared with the cluster's buckets.
/// </summary>
public sealed class RuleWorkerActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly RuleDefinition rule;
    private readonly int index;
    private readonly NodeServices node;
    private readonly IActorRef router;
    private readonly ActionTargets actions;
    private readonly int maxConsecutiveErrors;
    private readonly int maxMessagesInFlight;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly RuleCounters counters;
    private readonly LoadedScript? loadedAtStart;
    private RuleRunner? runner;

    /// <param name="loadedAtStart">The state the node's start loaded for this instance, taken by the first incarnation; restarts load the script anew.</param>
    /// <param name="maxMessagesInFlight">The router's credit for this instance (<c>syslogintr.pipeline.max-messages-in-flight</c>).</param>
    public RuleWorkerActor(RuleDefinition rule, int index, NodeServices node, IActorRef router, ActionTargets actions, int maxConsecutiveErrors, int maxMessagesInFlight, LoadedScript? loadedAtStart = null)
    {
        this.rule = rule;
        this.loadedAtStart = loadedAtStart;
        this.index = index;
        this.node = node;
        this.router = router;
        this.actions = actions;
        this.maxConsecutiveErrors = maxConsecutiveErrors;
        this.maxMessagesInFlight = maxMessagesInFlight;
        counters = node.Metrics.Rule(rule.Instances == 1 ? rule.Name : $"{rule.Name}#{index}");

        // Until the router acknowledges the subscription nothing is answered, so whoever waits for a first
        // RuleStats (the node's starter) knows the rule will see the first message.
        Receive<Subscribed>(_ =>
        {
            Become(Ready);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private RuleRunner Runner => runner ?? throw new InvalidOperationException("the rule's state is not loaded");

    private void Ready()
    {
        Receive<MessageBatch>(OnBatch);
        Receive<RuleRunner.AlarmTick>(_ => Runner.OnAlarm());
        Receive<HangupReceived>(_ => Runner.OnHangup());
        Receive<ReloadRequested>(_ => Runner.Reload());
        Receive<GetRuleStats>(_ => Sender.Tell(RuleStats.Of(rule.Name, index, counters)));
        Receive<RunCleanup>(_ =>
        {
            Runner.CleanUp();
            Sender.Tell(new RuleCleanedUp(rule.Name, index));
        });
    }

    /// <summary>The consumer name the router counts this instance under.</summary>
    public static string ConsumerName(RuleDefinition rule, int index) => rule.Instances == 1 ? $"rule:{rule.Name}" : $"rule:{rule.Name}#{index}";

    public static Props Props(RuleDefinition rule, int index, NodeServices node, IActorRef router, ActionTargets actions, int maxConsecutiveErrors, int maxMessagesInFlight, LoadedScript? loadedAtStart = null) =>
        Akka.Actor.Props.Create(() => new RuleWorkerActor(rule, index, node, router, actions, maxConsecutiveErrors, maxMessagesInFlight, loadedAtStart));

    protected override void PreStart()
    {
        runner = new RuleRunner(rule, rule.Name, node, actions, counters, log, Timers, loadedAtStart);
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Context.System.EventStream.Subscribe(Self, typeof(ReloadRequested));
        var partition = rule.Instances == 1 ? null : new Partition(rule.PartitionBy, index, rule.Instances);
        router.Tell(new Subscribe(ConsumerName(rule, index), Self, rule.Match, maxMessagesInFlight, rule.OnLag, partition));
        log.Info(
            "rule {0}{1} loaded {2}{3}",
            rule.Name,
            rule.Instances == 1 ? "" : $"#{index}",
            rule.ScriptPath,
            runner.RefillsMessageTable ? " (its log only reads fields of msg: one table is refilled for every message)" : "");
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        // Calls cleanup() unless node shutdown did already (RunCleanup).
        runner?.Dispose();
        runner = null;
    }

    private void OnBatch(MessageBatch batch)
    {
        Runner.Run(batch.Messages);
        Sender.Tell(BatchDone.Instance);
        if (Runner.ConsecutiveErrors >= maxConsecutiveErrors)
        {
            throw new RuleFailingException(rule.Name, Runner.ConsecutiveErrors);
        }
    }
}

/// <summary>Every one of the last messages failed: the worker gives up so its supervisor restarts it with backoff.</summary>
public sealed class RuleFailingException(string rule, int errors)
    : Exception($"rule '{rule}' failed on {errors} messages in a row; restarting it");
