namespace Syslogintr.Rules.Replay;

/// <summary>The clock of a replayed log: it reads the time of the line being replayed, so <c>os.time()</c> and alarms follow the log.</summary>
public sealed class ReplayClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
