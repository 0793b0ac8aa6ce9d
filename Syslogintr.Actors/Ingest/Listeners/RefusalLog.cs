using Akka.Event;

namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// Warns about refused connections at most once per <paramref name="interval"/>, with how many were refused since
/// the last warning: a flood of connection attempts must not become a flood of log lines (every one is counted in
/// <c>refused</c> anyway). Called from the accepting thread and the listener's timer thread.
/// </summary>
internal sealed class RefusalLog(ILoggingAdapter log, string listener, TimeSpan interval)
{
    private readonly Lock gate = new();
    private long suppressed;
    private long nextWarningAt = long.MinValue;

    public void Refused(string reason)
    {
        lock (gate)
        {
            var now = Environment.TickCount64;
            if (now < nextWarningAt)
            {
                suppressed++;
                return;
            }

            log.Warning("listener {0}: refusing a connection: {1}{2}", listener, reason, Since());
            nextWarningAt = now + (long)interval.TotalMilliseconds;
        }
    }

    /// <summary>Reports refusals held back since the last warning, once the interval has passed.</summary>
    public void Flush()
    {
        lock (gate)
        {
            if (suppressed > 0 && Environment.TickCount64 >= nextWarningAt)
            {
                log.Warning("listener {0}: refused {1} more connections since the last warning", listener, suppressed);
                suppressed = 0;
                nextWarningAt = Environment.TickCount64 + (long)interval.TotalMilliseconds;
            }
        }
    }

    private string Since()
    {
        if (suppressed == 0)
        {
            return "";
        }

        var text = $" ({suppressed} more refused since the last warning)";
        suppressed = 0;
        return text;
    }
}
