using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Syslogintr.Hosting;
using Syslogintr.Pipeline;
using Syslogintr.Sinks.FileWrite;
using Syslogintr.Sinks.Relay;

namespace Syslogintr.Sinks;

/// <summary>
/// Starts the outputs: the file and console sinks, each subscribed to the router with its selector, and the relay
/// and file-write actors that serve rules' <c>relay()</c> and <c>write()</c>, registered for the rules.
/// </summary>
public static class SinksHosting
{
    /// <summary>Sinks do short, buffered file I/O and never-blocking sends: never on a listener's or a rule's thread (see the HOCON for the pool they use).</summary>
    public const string Dispatcher = "syslogintr.dispatchers.sinks";

    /// <summary>
    /// Reads the <c>files</c>, <c>console</c>, <c>relay</c> and <c>write</c> sections and opens every file once, so an
    /// unwritable path stops the node at start with a clear message.
    /// </summary>
    public static SinkSettings Validate(Config config)
    {
        var files = FileSinkSettings.FilesFrom(config).ToList();
        if (FileSinkSettings.ConsoleFrom(config) is { } console)
        {
            files.Add(console);
        }

        foreach (var sink in files.Where(s => !s.IsConsole))
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

        try
        {
            return new SinkSettings(files, RelaySettings.From(config), FileWriteSettings.From(config));
        }
        catch (ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>
    /// Starts the sinks and waits until the router has subscribed each; starts and registers <see cref="RelayKey"/>
    /// and <see cref="FileWriteKey"/>. Call before rules start.
    /// </summary>
    public static async Task<RunningSinks> StartSinksAsync(ActorSystem system, IActorRegistry registry, IActorRef router, SinkSettings sinks, NodeServices node, PipelineSettings pipeline)
    {
        var running = new RunningSinks(system, router, node, pipeline);
        foreach (var sink in sinks.Files)
        {
            await running.StartAsync(sink);
        }

        registry.Register<RelayKey>(system.ActorOf(RelayActor.Props(sinks.Relay, node.Metrics.SideEffects, node.Clock.LocalTimeZone), "relay"));
        registry.Register<FileWriteKey>(system.ActorOf(FileWriteActor.Props(sinks.Write, node.Metrics.SideEffects), "file-write"));
        return running;
    }
}

/// <summary>The settings of the outputs.</summary>
public sealed record SinkSettings(IReadOnlyList<FileSinkSettings> Files, RelaySettings Relay, FileWriteSettings Write);
