// In the root test namespace so every test namespace sees it without a using.
namespace Syslogintr.Tests;

/// <summary>A clock the test moves by hand; actors' timers follow Akka's scheduler (a <c>TestScheduler</c> where a test drives it).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
