using Akka.Event;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Warns about refused connections through a <see cref="WarningThrottle"/>: a flood of connection attempts must not
/// become a flood of log lines (every one is counted in <c>refused</c> anyway). Called from the accepting thread
/// and the listener's timer thread.
/// </summary>
internal sealed class RefusalLog(ILoggingAdapter log, string listener, WarningThrottle throttle)
{
    private const string Key = "refused";

    public void Refused(string reason)
    {
        if (throttle.TryPass(Key, out var suppressed))
        {
            var since = suppressed > 0 ? $" ({suppressed} more refused since the last warning)" : "";
            log.Warning("listener {0}: refusing a connection: {1}{2}", listener, reason, since);
        }
    }

    /// <summary>Reports refusals held back since the last warning, once the interval has passed.</summary>
    public void Flush()
    {
        if (throttle.TryFlush(Key, out var suppressed))
        {
            log.Warning("listener {0}: refused {1} more connections since the last warning", listener, suppressed);
        }
    }
}
