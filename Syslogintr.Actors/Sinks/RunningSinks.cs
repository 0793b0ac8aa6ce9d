using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Syslogintr.Hosting;
using Syslogintr.Hosting.Reload;
using Syslogintr.Pipeline;

namespace Syslogintr.Sinks;

/// <summary>
/// The file and console sinks a node runs, by name. A reload subscribes a changed sink's successor before its
/// predecessor leaves (the router hands each message to exactly one of them, see <see cref="RouterActor"/>), and
/// stops a removed or replaced sink only once it has acknowledged, and so written, every message it was handed.
/// </summary>
public sealed class RunningSinks(ActorSystem system, IActorRef router, NodeServices node, PipelineSettings pipeline)
{
    private readonly Dictionary<string, IActorRef> sinks = [];
    private int generation;

    /// <summary>Starts <paramref name="sink"/> and returns once the router has subscribed it.</summary>
    public async Task StartAsync(FileSinkSettings sink)
    {
        var name = generation == 0 ? $"sink-{sink.Name}" : $"sink-{sink.Name}~{generation}";
        var actor = system.ActorOf(FileSinkActor.Props(sink, node.Metrics.Sink(sink.Name)), name);
        await router.Ask<Subscribed>(new Subscribe($"sink:{sink.Name}", actor, sink.Filter, pipeline.MaxMessagesInFlight, sink.OnLag), TimeSpan.FromSeconds(10));
        sinks[sink.Name] = actor;
    }

    /// <summary>
    /// Applies <paramref name="next"/> (from <see cref="SinksHosting.Validate"/>): sinks whose entry (or
    /// <c>file-defaults</c>) changed between <paramref name="running"/> and <paramref name="nextConfig"/> are
    /// replaced, new ones start, removed ones stop; returns a phrase per change for the log.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(Config running, Config nextConfig, SinkSettings next, ILoggingAdapter log)
    {
        generation++;
        var changes = new List<string>();
        var defaultsChanged = ConfigKeys.Changed(running, nextConfig, "syslogintr.file-defaults");
        var retired = new List<IActorRef>();
        foreach (var sink in next.Files)
        {
            var old = sinks.GetValueOrDefault(sink.Name);
            if (old is not null && !defaultsChanged && !ConfigKeys.Changed(running, nextConfig, Section(sink)))
            {
                continue;
            }

            // Under the same consumer name, the successor takes over from the next batch the router routes.
            await StartAsync(sink);
            if (old is not null)
            {
                retired.Add(old);
            }

            changes.Add(old is null ? $"sink {sink.Name} added" : $"sink {sink.Name} changed");
        }

        foreach (var name in sinks.Keys.Where(n => next.Files.All(f => f.Name != n)).ToList())
        {
            retired.Add(sinks[name]);
            sinks.Remove(name);
            changes.Add($"sink {name} removed");
        }

        try
        {
            await Task.WhenAll(retired.Select(a => router.Ask<Unsubscribed>(new Unsubscribe(a), pipeline.DrainTimeout)));
        }
        catch (AskTimeoutException)
        {
            log.Warning("a replaced sink did not write its messages within drain-timeout {0}; it stops anyway, what it held counted as dropped", pipeline.DrainTimeout);
        }

        // Each has written what it acknowledged; stopping flushes what it still buffers.
        foreach (var actor in retired)
        {
            actor.Tell(PoisonPill.Instance);
        }

        return changes;
    }

    private static string Section(FileSinkSettings sink) => sink.IsConsole ? "syslogintr.console" : $"syslogintr.files.{sink.Name}";
}
