using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;

namespace Syslogintr.Sinks;

/// <summary>Starts the file and console sinks and subscribes each to the router with its selector.</summary>
public static class SinksHosting
{
    /// <summary>Sinks do blocking file I/O: they get threads of their own, away from listeners and rules.</summary>
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

    public static AkkaConfigurationBuilder AddSinks(this AkkaConfigurationBuilder builder, IReadOnlyList<FileSinkSettings> sinks, NodeServices node, PipelineSettings pipeline) =>
        builder.WithActors((system, registry) =>
        {
            var router = registry.Get<RouterKey>();
            foreach (var sink in sinks)
            {
                var actor = system.ActorOf(FileSinkActor.Props(sink, node.Metrics.Sink(sink.Name)), $"sink-{sink.Name}");
                router.Tell(new Subscribe($"sink:{sink.Name}", actor, sink.Selector, pipeline.MaxBatchesInFlight));
            }
        });
}
