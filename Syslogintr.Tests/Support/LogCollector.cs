using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Tests.Support;

/// <summary>The node's warning lines, as its loggers receive them from the event stream.</summary>
public sealed class LogCollector
{
    private readonly ConcurrentQueue<string> warnings = new();

    private LogCollector()
    {
    }

    public IReadOnlyList<string> Warnings => [.. warnings];

    public static LogCollector Subscribe(ActorSystem system)
    {
        var collector = new LogCollector();
        var subscriber = system.ActorOf(Props.Create(() => new Subscriber(collector.warnings)));
        system.EventStream.Subscribe(subscriber, typeof(Warning));
        return collector;
    }

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(ConcurrentQueue<string> warnings) => Receive<Warning>(w => warnings.Enqueue(w.Message.ToString() ?? ""));
    }
}
