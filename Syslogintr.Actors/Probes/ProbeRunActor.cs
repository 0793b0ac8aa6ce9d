using Akka.Actor;

namespace Syslogintr.Probes;

/// <summary>
/// One run of one probe. Reports <see cref="ProbeSucceeded"/> or <see cref="ProbeFailed"/> to its parent and stops.
/// At the timeout it cancels the probe, reports it failed and stops without waiting for it: a hung check costs
/// only itself, never another probe's schedule.
/// </summary>
public sealed class ProbeRunActor : ReceiveActor, IWithTimers
{
    private readonly ProbeSettings settings;
    private readonly ProbeFactory factory;
    private readonly CancellationTokenSource cancel = new();
    private IProbe? probe;

    public ProbeRunActor(ProbeSettings settings, ProbeFactory factory, TimeProvider clock)
    {
        this.settings = settings;
        this.factory = factory;
        Receive<ProbeResult>(r => Finish(r.Up
            ? new ProbeSucceeded(settings.Name, r.Details, clock.GetUtcNow())
            : new ProbeFailed(settings.Name, r.Details, clock.GetUtcNow())));
        Receive<Status.Failure>(f => Finish(new ProbeFailed(settings.Name, $"{settings.Name}: probe failed: {f.Cause.Message}", clock.GetUtcNow())));
        Receive<TimedOut>(_ => Finish(new ProbeFailed(settings.Name, $"{settings.Name}: no answer within {settings.Timeout.TotalSeconds:0.###} s, run cancelled", clock.GetUtcNow())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ProbeSettings settings, ProbeFactory factory, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new ProbeRunActor(settings, factory, clock));

    protected override void PreStart()
    {
        probe = factory.Create(settings.Target);
        var running = probe;
        var token = cancel.Token;
        // Task.Run: nothing of the probe, not even its synchronous start, runs on this actor's thread.
        Task.Run(() => running.RunAsync(token), token).PipeTo(Self);
        Timers.StartSingleTimer(TimedOut.Instance, TimedOut.Instance, settings.Timeout);
    }

    protected override void PostStop()
    {
        // Cancellation callbacks (killing a process tree, say) run on the thread pool, not on this dispatcher.
        var cancelling = cancel;
        var disposable = probe as IDisposable;
        cancelling.CancelAsync().ContinueWith(
            _ =>
            {
                disposable?.Dispose();
                cancelling.Dispose();
            },
            TaskScheduler.Default);
    }

    private void Finish(object report)
    {
        Context.Parent.Tell(report);
        Context.Stop(Self);
        Become(() => { });
    }

    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
    }
}
