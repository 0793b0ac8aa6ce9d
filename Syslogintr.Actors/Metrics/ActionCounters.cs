using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Syslogintr.Metrics;

/// <summary>
/// Counters of the side-effect actors (exec, ban, relay, file write): what they did, refused, dropped and failed.
/// One instance per node, shared by those actors through their Props; exposed as the observable counter
/// <c>syslogintr.action.events</c> tagged with the event name (e.g. <c>relay.dropped</c>), and readable by tests.
/// </summary>
public sealed class ActionCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> counters = new(StringComparer.Ordinal);

    /// <summary>Counters only readable through <see cref="Get"/> (tests).</summary>
    public ActionCounters()
    {
    }

    /// <summary>Counters also published on <paramref name="meter"/>.</summary>
    public ActionCounters(Meter meter) =>
        meter.CreateObservableCounter(
            "syslogintr.action.events",
            () => counters.Select(c => new Measurement<long>(Volatile.Read(ref c.Value.Value), new KeyValuePair<string, object?>("event", c.Key))),
            "{event}");

    public void Increment(string name) => Add(name, 1);

    public void Add(string name, long count) => Interlocked.Add(ref counters.GetOrAdd(name, _ => new StrongBox<long>()).Value, count);

    public long Get(string name) => counters.TryGetValue(name, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Every non-zero counter as <c>name=value</c>, for the node's log.</summary>
    public override string ToString() =>
        string.Join(' ', counters.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={Volatile.Read(ref c.Value.Value)}"));
}
