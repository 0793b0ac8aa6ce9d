using Akka.Actor;

namespace Syslogintr.Sinks.Files;

/// <summary>
/// The flush timer of an actor that owns a <see cref="FileWriter"/>: a single timer armed after a line is appended and
/// after each flush that left work (a failed write to retry, a file to close when quiet), never while there is none.
/// A line is still written within one flush interval; a periodic timer would wake an idle node every interval.
/// </summary>
public static class FlushTimer
{
    private const string Key = "flush";

    public static void ArmIfNeeded(this ITimerScheduler timers, FileWriter writer, object flush, TimeSpan interval)
    {
        if (writer.NeedsFlush && !timers.IsTimerActive(Key))
        {
            timers.StartSingleTimer(Key, flush, interval);
        }
    }
}
