using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Ingest;
using Syslogintr.Metrics;
using Syslogintr.Pipeline;

namespace Syslogintr.Rules;

/// <summary>
/// One running rule state and what running it takes, for the actor that owns it (a local rule worker, or a
/// cluster bucket): <c>log</c> per message under the budgets with the error accounting, rebuilds over the memory
/// limit, reloads, the alarm, <c>cleanup()</c>, and the <c>snapshot()</c>/<c>restore(t)</c> hooks. Touched only
/// from its owner's thread. A rule stopped by its budget on <see cref="OverrunsInARow"/> messages in a row is stuck
/// (an endless loop, or work too heavy for its budget): its messages of the next <see cref="OverBudgetPause"/> are
/// skipped and counted as errors, so its owner answers a batch within about two budgets.
/// </summary>
public sealed class RuleRunner : IDisposable
{
    private const string AlarmTimer = "alarm";
    private const int OverrunsInARow = 2;
    private static readonly TimeSpan OverBudgetPause = TimeSpan.FromSeconds(1);
    private readonly RuleDefinition rule;
    private readonly string instanceName;
    private readonly NodeServices node;
    private readonly RuleCounters counters;
    private readonly ILoggingAdapter log;
    private readonly ITimerScheduler timers;
    private readonly ActorRuleEffects effects;
    private readonly KeyValuePair<string, object?> logDurationTag;
    private LuaRule? lua;
    private byte[] scriptHash = [];
    private int consecutiveOverruns;
    private DateTimeOffset skipUntil = DateTimeOffset.MinValue;
    private bool stuckReported;
    private bool alarmSet;
    private bool cleanedUp;
    private DateTimeOffset errorLogOpensAt = DateTimeOffset.MinValue;
    private long errorsNotLogged;

    /// <param name="instanceName">How log lines name this state: the rule, <c>rule#i</c> in a pool, <c>rule/bucket</c> in a cluster.</param>
    /// <param name="timers">The owner's timers: <c>alarm(n)</c> sends it <see cref="AlarmTick"/>, which it hands to <see cref="OnAlarm"/>.</param>
    /// <param name="loadedAtStart">The state the node's start loaded, if any (taken once); otherwise the script is loaded now.</param>
    public RuleRunner(RuleDefinition rule, string instanceName, NodeServices node, ActionTargets actions, RuleCounters counters, ILoggingAdapter log, ITimerScheduler timers, LoadedScript? loadedAtStart = null)
    {
        this.rule = rule;
        this.instanceName = instanceName;
        this.node = node;
        this.counters = counters;
        logDurationTag = new("rule", counters.Name);
        this.log = log;
        this.timers = timers;
        effects = new ActorRuleEffects(actions, new MessageInjector(node.Queue, InjectionCounters.Of(counters)), log, SetAlarm);
        (lua, scriptHash) = loadedAtStart?.Take(effects) ?? LoadScript();
        counters.OnLoaded();
    }

    /// <inheritdoc cref="LuaRule.RefillsMessageTable"/>
    public bool RefillsMessageTable => Lua.RefillsMessageTable;

    /// <summary>Messages in a row whose <c>log</c> failed.</summary>
    public int ConsecutiveErrors { get; private set; }

    private LuaRule Lua => lua ?? throw new InvalidOperationException("the rule's state is not loaded");

    /// <summary>Calls <c>log</c> for each message; afterwards a state over its memory limit is rebuilt.</summary>
    public void Run(IReadOnlyList<SyslogMessage> messages)
    {
        var state = Lua;
        // One clock read a message: the end of one call is the start of the next (what lies between is counting).
        var started = Stopwatch.GetTimestamp();
        foreach (var message in messages)
        {
            counters.OnMessage();
            if (skipUntil != DateTimeOffset.MinValue && node.Clock.GetUtcNow() < skipUntil)
            {
                counters.OnError();
                started = Stopwatch.GetTimestamp();
                continue;
            }

            var error = state.Deliver(message, started);
            var ended = Stopwatch.GetTimestamp();
            node.Metrics.RuleLogDuration.Record(Stopwatch.GetElapsedTime(started, ended).TotalSeconds, logDurationTag);
            started = ended;
            if (error is null)
            {
                ConsecutiveErrors = 0;
                consecutiveOverruns = 0;
                stuckReported = false;
                continue;
            }

            ConsecutiveErrors++;
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
                    log.Warning("rule {0}: over its budget on {1} messages in a row; while it stays so, its messages are skipped {2} s at a time and counted as errors", instanceName, OverrunsInARow, OverBudgetPause.TotalSeconds);
                }
            }
        }

        if (state.OverMemoryLimit())
        {
            Rebuild(state);
        }
    }

    public void OnAlarm() => Report(Lua.CallHook("alarm_handler"));

    public void OnHangup() => Report(Lua.CallHook("reload_signal"));

    /// <summary>Calls <c>cleanup()</c> once: at node shutdown, or when the state is disposed.</summary>
    public void CleanUp()
    {
        if (!cleanedUp && lua is not null)
        {
            cleanedUp = true;
            Report(lua.CallHook("cleanup"));
        }
    }

    /// <summary>The script's <c>snapshot()</c> encoded (<see cref="LuaSnapshotCodec"/>); null when it defines none or it failed (counted, logged).</summary>
    public byte[]? Snapshot()
    {
        var (state, error) = Lua.Snapshot();
        Report(error);
        return state;
    }

    /// <summary>Hands <c>restore(t)</c> a state another node's <see cref="Snapshot"/> took; a failure is counted and logged, the state restarts.</summary>
    public void Restore(byte[] state) => Report(Lua.Restore(state));

    /// <summary>
    /// SIGUSR1 / <c>syslogintr reload</c>, between two batches, so no message is lost. A changed script runs again
    /// in the running state (<see cref="RuleReload.SameState"/>, the original's way: globals, modules and the alarm
    /// survive; an error at its top level keeps what ran before it), or loads into a fresh state that replaces the
    /// old one (<see cref="RuleReload.Fresh"/>). A script that does not load leaves the old functions running.
    /// </summary>
    public void Reload()
    {
        byte[] hash;
        try
        {
            hash = SHA256.HashData(File.ReadAllBytes(rule.ScriptPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("rule {0}: cannot read {1} ({2}); the loaded version keeps running", instanceName, rule.ScriptPath, e.Message);
            return;
        }

        if (hash.AsSpan().SequenceEqual(scriptHash))
        {
            return;
        }

        try
        {
            if (rule.Reload == RuleReload.SameState)
            {
                // As the original's setitimer: an alarm the new top level does not set again keeps running.
                Lua.Rerun();
            }
            else
            {
                alarmSet = false;
                var fresh = LuaRule.Load(rule, effects, node.Clock, node.HostName);
                if (!alarmSet)
                {
                    // The new version calls no alarm(): the old version's must not go on calling its alarm_handler.
                    timers.Cancel(AlarmTimer);
                }

                Lua.Dispose();
                lua = fresh;
            }

            scriptHash = hash;
            counters.OnReloaded();
            log.Info("rule {0}: reloaded {1}", instanceName, rule.ScriptPath);
        }
        catch (RuleLoadException e)
        {
            // The hash stays the old one: the next reload runs the file again, as the original's SIGUSR1 would.
            log.Error(rule.Reload == RuleReload.SameState
                ? "rule {0}: the changed script failed to load; the state keeps its functions and whatever its top level set before the error: {1}"
                : "rule {0}: the changed script does not load, the previous version keeps running: {1}", instanceName, e.Reason);
        }
    }

    /// <summary>Calls <c>cleanup()</c> unless done already, and closes the state.</summary>
    public void Dispose()
    {
        if (lua is not null)
        {
            CleanUp();
            lua.Dispose();
            lua = null;
        }
    }

    private (LuaRule Rule, byte[] Hash) LoadScript()
    {
        var hash = SHA256.HashData(File.ReadAllBytes(rule.ScriptPath));
        return (LuaRule.Load(rule, effects, node.Clock, node.HostName), hash);
    }

    /// <summary>A state over its memory limit is replaced by a fresh one running the same script; its globals are lost.</summary>
    private void Rebuild(LuaRule state)
    {
        log.Warning("rule {0}: Lua heap {1:N0} bytes is over the limit of {2:N0}; starting a fresh state", instanceName, state.MemoryBytes, rule.MemoryLimitBytes);
        state.Dispose();
        lua = null;
        counters.OnRebuild();
        (lua, scriptHash) = LoadScript();
    }

    private void SetAlarm(TimeSpan interval)
    {
        alarmSet = true;
        if (interval <= TimeSpan.Zero)
        {
            timers.Cancel(AlarmTimer);
        }
        else
        {
            timers.StartPeriodicTimer(AlarmTimer, AlarmTick.Instance, interval);
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
        if (error.OverBudget)
        {
            counters.OnAborted();
        }

        var now = node.Clock.GetUtcNow();
        if (now < errorLogOpensAt)
        {
            errorsNotLogged++;
            return;
        }

        errorLogOpensAt = now + rule.ErrorLogInterval;
        var suppressed = errorsNotLogged > 0 ? $" ({errorsNotLogged} more errors since the last report)" : "";
        errorsNotLogged = 0;
        log.Error("rule {0}: Lua error in {1}(): {2}{3}", instanceName, error.Hook, error.Message, suppressed);
    }

    /// <summary>The rule's <c>alarm(n)</c> interval came round: its owner calls <see cref="OnAlarm"/>.</summary>
    public sealed class AlarmTick
    {
        public static readonly AlarmTick Instance = new();
    }
}
