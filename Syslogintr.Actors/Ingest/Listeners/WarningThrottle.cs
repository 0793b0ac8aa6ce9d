namespace Syslogintr.Ingest.Listeners;

/// <summary>
/// At most one warning per key per interval: a client that retries a refused handshake or connection in a loop
/// would otherwise write hundreds of lines a second. What is held back is counted and reported with the next line,
/// or by <see cref="TryFlush"/> once the interval has passed. Thread-safe: every connection reports here.
/// </summary>
public sealed class WarningThrottle(TimeProvider clock, TimeSpan interval)
{
    private readonly Dictionary<string, (DateTimeOffset OpensAt, long Suppressed)> keys = [];

    /// <summary>True when a line for <paramref name="key"/> may be written now; <paramref name="suppressed"/> are those held back since the last.</summary>
    public bool TryPass(string key, out long suppressed)
    {
        var now = clock.GetUtcNow();
        lock (keys)
        {
            keys.TryGetValue(key, out var state);
            if (now < state.OpensAt)
            {
                keys[key] = state with { Suppressed = state.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            keys[key] = (now + interval, 0);
            suppressed = state.Suppressed;
            return true;
        }
    }

    /// <summary>
    /// True when lines for <paramref name="key"/> were held back and the interval has passed: the caller reports
    /// <paramref name="suppressed"/> of them now rather than with a next line that may never come.
    /// </summary>
    public bool TryFlush(string key, out long suppressed)
    {
        var now = clock.GetUtcNow();
        lock (keys)
        {
            if (keys.TryGetValue(key, out var state) && state.Suppressed > 0 && now >= state.OpensAt)
            {
                keys[key] = (now + interval, 0);
                suppressed = state.Suppressed;
                return true;
            }

            suppressed = 0;
            return false;
        }
    }
}
