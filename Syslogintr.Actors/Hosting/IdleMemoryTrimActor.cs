using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Hosting;

/// <summary>
/// Gives back what a busy spell left behind once the node has gone quiet. The GC collects only when something
/// allocates, so after a burst (or start-up) an idle node would keep its youngest generation committed, full of dead
/// messages, until the next burst: 80 MiB more on the benchmark's VM, for as long as the node stays idle. Every
/// <c>trim-when-idle</c> this looks at how much the process allocated; when it allocated almost nothing since the
/// last look (<see cref="IdleMemoryTrim.QuietBytes"/>) but plenty since the last collection it asked for
/// (<see cref="IdleMemoryTrim.WorthBytes"/>), it runs one full, compacting collection that returns the free memory to
/// the system. A busy node is never collected by it; an idle one is collected once, not at every look.
/// </summary>
public sealed class IdleMemoryTrimActor : ReceiveActor, IWithTimers
{
    private const double Mebi = 1024 * 1024;

    private readonly TimeSpan interval;
    private readonly IdleMemoryTrim trim;
    private readonly ILoggingAdapter log = Context.GetLogger();

    public IdleMemoryTrimActor(TimeSpan interval, IProcessMemory memory)
    {
        this.interval = interval;
        trim = new IdleMemoryTrim(memory.AllocatedBytes());
        Receive<Look>(_ =>
        {
            var allocated = memory.AllocatedBytes();
            if (trim.ShouldCollect(allocated))
            {
                var before = memory.ResidentBytes();
                var started = Stopwatch.GetTimestamp();
                memory.Collect();
                log.Info(
                    "memory: quiet after {0:0} MiB allocated, collected in {1:0} ms: RSS {2:0} MB, was {3:0} MB",
                    trim.AllocatedBeforeCollection / Mebi, Stopwatch.GetElapsedTime(started).TotalMilliseconds, memory.ResidentBytes() / 1e6, before / 1e6);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan interval, IProcessMemory memory) =>
        Akka.Actor.Props.Create(() => new IdleMemoryTrimActor(interval, memory));

    protected override void PreStart() => Timers.StartPeriodicTimer("look", Look.Instance, interval);

    private sealed class Look
    {
        public static readonly Look Instance = new();
    }
}
