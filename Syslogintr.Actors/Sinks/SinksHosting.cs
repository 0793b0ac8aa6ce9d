using Akka.Actor;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;

namespace Syslogintr.Sinks;

/// <summary>Starts the file and console sinks and subscribes each to the router with its selector.</summary>
public static class SinksHosting
{
    /// <summary>Sinks do short, buffered file I/O: never on a listener's or a rule's thread (see the HOCON for the pool they use).</summary>
    public const string Dispatcher = "syslogintr.dispatchers.sinks";

    /// <summary>Reads the sinks' settings and opens every file once, so an unwritable path stops the node at start with a clear message.</summary>
    public static IReadOnlyList<FileSinkSettings> Validate(Config config)
    {
        var sinks = FileSinkSettings.FilesFrom(config).ToList();
        if (FileSinkSettings.ConsoleFrom(config) is { } console)
        {
            sinks.Add(console);
        }

        foreach (var sink in sinks.Where(s => !s.IsConsole))
        {
            try
            {
                FileSinkActor.Open(sink).Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"file sink '{sink.Name}' cannot write {sink.Path}: {e.Message}", e);
            }
        }

        return sinks;
    }

    /// <summary>Starts the sinks and waits until the router has subscribed each.</summary>
    public static async Task StartSinksAsync(ActorSystem system, IActorRef router, IReadOnlyList<FileSinkSettings> sinks, NodeServices node, PipelineSettings pipeline)
    {
        foreach (var sink in sinks)
        {
            var actor = system.ActorOf(FileSinkActor.Props(sink, node.Metrics.Sink(sink.Name)), $"sink-{sink.Name}");
            await router.Ask<Subscribed>(new Subscribe($"sink:{sink.Name}", actor, sink.Filter, pipeline.MaxMessagesInFlight, sink.OnLag), TimeSpan.FromSeconds(10));
        }
    }
}
