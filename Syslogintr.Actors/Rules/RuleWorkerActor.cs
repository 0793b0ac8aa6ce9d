using System.Security.Cryptography;
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
/// <see cref="Akka.Pattern.BackoffSupervisor"/> restarts it, later each time. A rule stopped by its budget on
/// <see cref="OverrunsInARow"/> messages in a row is stuck (an endless loop, or work too heavy for its budget): its
/// messages of the next <see cref="OverBudgetPause"/> are skipped and counted as errors, so it answers its batch
/// within about two budgets and does not spend a core on messages it cannot handle.
/// </summary>
public sealed class RuleWorkerActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string AlarmTimer = "alarm";
    private const int OverrunsInARow = 2;
    private static readonly TimeSpan OverBudgetPause = TimeSpan.FromSeconds(1);
    private readonly RuleDefinition rule;
    private readonly int index;
    private readonly NodeServices node;
    private readonly IActorRef router;
    private readonly int maxConsecutiveErrors;
    private readonly int maxMessagesInFlight;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly ActorRuleEffects effects;
    private readonly RuleCounters counters;
    private readonly LoadedScript? loadedAtStart;
    private LuaRule? lua;
    private byte[] scriptHash = [];
    private int consecutiveErrors;
    private int consecutiveOverruns;
    private DateTimeOffset skipUntil = DateTimeOffset.MinValue;
    private bool stuckReported;
    private bool alarmSet;
    private bool cleanedUp;
    private DateTimeOffset errorLogOpensAt = DateTimeOffset.MinValue;
    private long errorsNotLogged;

    /// <param name="loadedAtStart">The state the node's start loaded for this instance, taken by the first incarnation; restarts load the script anew.</param>
    /// <param name="maxMessagesInFlight">The router's credit for this instance (<c>syslogintr.pipeline.max-messages-in-flight</c>).</param>
    public RuleWorkerActor(RuleDefinition rule, int index, NodeServices node, IActorRef router, ActionTargets actions, int maxConsecutiveErrors, int maxMessagesInFlight, LoadedScript? loadedAtStart = null)
    {
        this.rule = rule;
        this.loadedAtStart = loadedAtStart;
        this.index = index;
        this.node = node;
        this.router = router;
        this.maxConsecutiveErrors = maxConsecutiveErrors;
        this.maxMessagesInFlight = maxMessagesInFlight;
        counters = node.Metrics.Rule(rule.Instances == 1 ? rule.Name : $"{rule.Name}#{index}");
        effects = new ActorRuleEffects(actions, new MessageInjector(node.Queue, InjectionCounters.Of(counters)), log, SetAlarm);

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

    private void Ready()
    {
        Receive<MessageBatch>(OnBatch);
        Receive<AlarmTick>(_ => Report(Lua.CallHook("alarm_handler")));
        Receive<HangupReceived>(_ => Report(Lua.CallHook("reload_signal")));
        Receive<ReloadRequested>(_ => Reload());
        Receive<GetRuleStats>(_ => Sender.Tell(RuleStats.Of(rule.Name, index, counters)));
        Receive<RunCleanup>(_ =>
        {
            if (!cleanedUp)
            {
                cleanedUp = true;
                Report(Lua.CallHook("cleanup"));
            }

            Sender.Tell(new RuleCleanedUp(rule.Name, index));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private LuaRule Lua => lua ?? throw new InvalidOperationException("the rule's state is not loaded");

    /// <summary>The consumer name the router counts this instance under.</summary>
    public static string ConsumerName(RuleDefinition rule, int index) => rule.Instances == 1 ? $"rule:{rule.Name}" : $"rule:{rule.Name}#{index}";

    public static Props Props(RuleDefinition rule, int index, NodeServices node, IActorRef router, ActionTargets actions, int maxConsecutiveErrors, int maxMessagesInFlight, LoadedScript? loadedAtStart = null) =>
        Akka.Actor.Props.Create(() => new RuleWorkerActor(rule, index, node, router, actions, maxConsecutiveErrors, maxMessagesInFlight, loadedAtStart));

    protected override void PreStart()
    {
        (lua, scriptHash) = loadedAtStart?.Take(effects) ?? LoadScript();
        counters.OnLoaded();
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Context.System.EventStream.Subscribe(Self, typeof(ReloadRequested));
        var partition = rule.Instances == 1 ? null : new Partition(rule.PartitionBy, index, rule.Instances);
        router.Tell(new Subscribe(ConsumerName(rule, index), Self, rule.Match, maxMessagesInFlight, rule.OnLag, partition));
        log.Info("rule {0}{1} loaded {2}", rule.Name, rule.Instances == 1 ? "" : $"#{index}", rule.ScriptPath);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (lua is not null)
        {
            // Called at node shutdown already (RunCleanup); here when the worker stops for another reason.
            if (!cleanedUp)
            {
                Report(lua.CallHook("cleanup"));
            }

            lua.Dispose();
            lua = null;
        }
    }

    private (LuaRule Rule, byte[] Hash) LoadScript()
    {
        var hash = SHA256.HashData(File.ReadAllBytes(rule.ScriptPath));
        return (LuaRule.Load(rule, effects, node.Clock, node.HostName), hash);
    }

    private void OnBatch(MessageBatch batch)
    {
        var state = Lua;
        foreach (var message in batch.Messages)
        {
            counters.OnMessage();
            if (skipUntil != DateTimeOffset.MinValue && node.Clock.GetUtcNow() < skipUntil)
            {
                counters.OnError();
                continue;
            }

            var error = state.Deliver(message);
            if (error is null)
            {
                consecutiveErrors = 0;
                consecutiveOverruns = 0;
                stuckReported = false;
                continue;
            }

            consecutiveErrors++;
            Report(error);
            consecutiveOverruns = error.OverBudget ? consecutiveOverruns + 1 : 0;
            if (consecutiveOverruns >= OverrunsInARow)
            {
                consecutiveOverruns = 0;
                skipUntil = node.Clock.GetUtcNow() + OverBudgetPause;
                if (!stuckReported)
                {
                    // Once per episode: until a message succeeds again, the error lines and counters tell the rest.
                    stuckReported = true;
                    log.Warning("rule {0}: over its budget on {1} messages in a row; while it stays so, its messages are skipped {2} s at a time and counted as errors", rule.Name, OverrunsInARow, OverBudgetPause.TotalSeconds);
                }
            }
        }

        if (state.OverMemoryLimit())
        {
            Rebuild(state);
        }

        Sender.Tell(BatchDone.Instance);
        if (consecutiveErrors >= maxConsecutiveErrors)
        {
            throw new RuleFailingException(rule.Name, consecutiveErrors);
        }
    }

    /// <summary>A state over its memory limit is replaced by a fresh one running the same script; its globals are lost.</summary>
    private void Rebuild(LuaRule state)
    {
        log.Warning("rule {0}: Lua heap {1:N0} bytes is over the limit of {2:N0}; starting a fresh state", rule.Name, state.MemoryBytes, rule.MemoryLimitBytes);
        state.Dispose();
        lua = null;
        counters.OnRebuild();
        (lua, scriptHash) = LoadScript();
    }

    /// <summary>
    /// SIGUSR1 / <c>syslogintr reload</c>: a changed script is loaded into a fresh state, which replaces the old
    /// one between two batches, so no message is lost; if it fails to load, the old one keeps running.
    /// </summary>
    private void Reload()
    {
        byte[] hash;
        try
        {
            hash = SHA256.HashData(File.ReadAllBytes(rule.ScriptPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("rule {0}: cannot read {1} ({2}); the loaded version keeps running", rule.Name, rule.ScriptPath, e.Message);
            return;
        }

        if (hash.AsSpan().SequenceEqual(scriptHash))
        {
            return;
        }

        try
        {
            alarmSet = false;
            var fresh = LuaRule.Load(rule, effects, node.Clock, node.HostName);
            if (!alarmSet)
            {
                // The new version calls no alarm(): the old version's must not go on calling its alarm_handler.
                Timers.Cancel(AlarmTimer);
            }

            Lua.Dispose();
            (lua, scriptHash) = (fresh, hash);
            counters.OnReloaded();
            log.Info("rule {0}: reloaded {1}", rule.Name, rule.ScriptPath);
        }
        catch (RuleLoadException e)
        {
            log.Error("rule {0}: the changed script does not load, the previous version keeps running: {1}", rule.Name, e.Reason);
        }
    }

    private void SetAlarm(TimeSpan interval)
    {
        alarmSet = true;
        if (interval <= TimeSpan.Zero)
        {
            Timers.Cancel(AlarmTimer);
        }
        else
        {
            Timers.StartPeriodicTimer(AlarmTimer, AlarmTick.Instance, interval);
        }
    }

    /// <summary>Counts an error and logs it, at most one line per interval per instance; the rest are counted and summed up in the next line.</summary>
    private void Report(RuleError? error)
    {
        if (error is null)
        {
            return;
        }

        counters.OnError();
        var now = node.Clock.GetUtcNow();
        if (now < errorLogOpensAt)
        {
            errorsNotLogged++;
            return;
        }

        errorLogOpensAt = now + rule.ErrorLogInterval;
        var suppressed = errorsNotLogged > 0 ? $" ({errorsNotLogged} more errors since the last report)" : "";
        errorsNotLogged = 0;
        log.Error("rule {0}: Lua error in {1}(): {2}{3}", rule.Name, error.Hook, error.Message, suppressed);
    }

    private sealed class AlarmTick
    {
        public static readonly AlarmTick Instance = new();
    }
}

/// <summary>Every one of the last messages failed: the worker gives up so its supervisor restarts it with backoff.</summary>
public sealed class RuleFailingException(string rule, int errors)
    : Exception($"rule '{rule}' failed on {errors} messages in a row; restarting it");
