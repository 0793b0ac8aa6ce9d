using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Metrics;

namespace Syslogintr.Rules.Distributed;

/// <summary>
/// One bucket of a partitioned (or the one of a singleton) rule: a Cluster Sharding entity on a <c>rules</c> node
/// owning one <see cref="LuaRule"/> through a <see cref="RuleRunner"/> (the local workers' budgets and error
/// accounting), on the rules' pinned dispatcher so a stuck script ties up its own thread only. Before its first
/// message it restores the state its previous owner handed over (if the script defines <c>restore(t)</c>); it
/// answers each <see cref="RuleBatch"/> with <see cref="RuleBatchDone"/> to the forwarder that sent it. On
/// <see cref="HandOffBucket"/> (a rebalance or a graceful leave) it stores <c>snapshot()</c> and stops. Its actions
/// go to this node's action actors. It runs under a backoff supervisor (<see cref="RulesHosting.Supervised"/>), which
/// is the entity sharding sees and passes the hand-off on.
/// </summary>
public sealed class RuleBucketActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly RuleDefinition rule;
    private readonly int bucket;
    private readonly NodeServices node;
    private readonly ActionTargets actions;
    private readonly int maxConsecutiveErrors;
    private readonly RuleSnapshotStore store;
    private readonly LWWRegisterKey<RuleSnapshot> key;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private RuleRunner? runner;

    public RuleBucketActor(RuleDefinition rule, int bucket, NodeServices node, ActionTargets actions, int maxConsecutiveErrors, RuleSnapshotStore store)
    {
        this.rule = rule;
        this.bucket = bucket;
        this.node = node;
        this.actions = actions;
        this.maxConsecutiveErrors = maxConsecutiveErrors;
        this.store = store;
        key = RuleSnapshotStore.Key(rule.Name, bucket);

        // Nothing is handled before the handed-over state is restored: the first message must see it.
        Receive<SnapshotRead>(OnSnapshotRead);
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private string Name => $"{rule.Name}/{bucket}";

    private RuleRunner Runner => runner ?? throw new InvalidOperationException("the rule's state is not loaded");

    public static Props Props(RuleDefinition rule, int bucket, NodeServices node, ActionTargets actions, int maxConsecutiveErrors, RuleSnapshotStore store) =>
        Akka.Actor.Props.Create(() => new RuleBucketActor(rule, bucket, node, actions, maxConsecutiveErrors, store))
            .WithDispatcher(RulesHosting.Dispatcher);

    protected override void PreStart()
    {
        runner = new RuleRunner(rule, Name, node, actions, node.Metrics.Rule(rule.Name), log, Timers);
        Context.System.EventStream.Subscribe(Self, typeof(HangupReceived));
        Context.System.EventStream.Subscribe(Self, typeof(ReloadRequested));
        store.ReadAsync(key).PipeTo(Self, success: state => new SnapshotRead(state), failure: _ => new SnapshotRead(null));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        runner?.Dispose();
        runner = null;
    }

    private void OnSnapshotRead(SnapshotRead read)
    {
        if (read.State is { } state)
        {
            Runner.Restore(state);
            // Restored once: a later restart of this bucket (after a crash) must not take the same state again.
            store.WriteAsync(key, RuleSnapshot.None).PipeTo(Self, success: _ => Cleared.Instance, failure: _ => Cleared.Instance);
            log.Info("rule {0}: restored the state handed over ({1} bytes)", Name, state.Length);
        }

        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<RuleBatch>(OnBatch);
        Receive<RuleRunner.AlarmTick>(_ => Runner.OnAlarm());
        Receive<HangupReceived>(_ => Runner.OnHangup());
        Receive<ReloadRequested>(_ => Runner.Reload());
        Receive<Cleared>(_ => { });
        Receive<HandOffBucket>(_ => HandOff());
    }

    private void OnBatch(RuleBatch batch)
    {
        Runner.Run(batch.Messages);
        Sender.Tell(new RuleBatchDone(batch.Bucket, batch.Sequence));
        if (Runner.ConsecutiveErrors >= maxConsecutiveErrors)
        {
            // Its backoff supervisor (the entity sharding sees) restarts it later with a fresh state, as a local worker's.
            throw new RuleFailingException(rule.Name, Runner.ConsecutiveErrors);
        }
    }

    /// <summary>The bucket moves: its state goes to DistributedData for the next owner, then it stops.</summary>
    private void HandOff()
    {
        var state = Runner.Snapshot();
        if (state is null)
        {
            Context.Stop(Self);
            return;
        }

        var started = node.Clock.GetUtcNow();
        store.WriteAsync(key, new RuleSnapshot(state)).PipeTo(Self, success: ok => new SnapshotStored(ok, state.Length, started), failure: _ => new SnapshotStored(false, state.Length, started));
        // Until stored, nothing else: a batch handled after snapshot() would be missing from the state handed over.
        // One that arrives now stays unanswered, and its forwarder counts it unreachable after ack-timeout.
        Become(() =>
        {
            Receive<SnapshotStored>(stored =>
            {
                if (stored.Ok)
                {
                    log.Info("rule {0}: handed off, state of {1} bytes stored in {2:0} ms", Name, stored.Bytes, (node.Clock.GetUtcNow() - stored.Started).TotalMilliseconds);
                }
                else
                {
                    log.Warning("rule {0}: handed off, but no majority confirmed its state within {1}; the next owner may start afresh", Name, DistributedRuleSettings.SnapshotTimeout);
                }

                Context.Stop(Self);
            });
            ReceiveAny(_ => { });
        });
    }

    private sealed record SnapshotRead(byte[]? State);

    private sealed record SnapshotStored(bool Ok, int Bytes, DateTimeOffset Started);

    private sealed class Cleared
    {
        public static readonly Cleared Instance = new();
    }
}
