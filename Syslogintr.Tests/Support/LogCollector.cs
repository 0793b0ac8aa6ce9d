using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;

namespace Syslogintr.Tests.Support;

/// <summary>The node's warning and error lines, as its loggers receive them from the event stream.</summary>
public sealed class LogCollector
{
    private readonly ConcurrentQueue<string> warnings = new();
    private readonly ConcurrentQueue<string> errors = new();

    private LogCollector()
    {
    }

    public IReadOnlyList<string> Warnings => [.. warnings];

    public IReadOnlyList<string> Errors => [.. errors];

    /// <summary>
    /// Waits until a warning matching <paramref name="match"/> has arrived and returns it. The subscriber receives
    /// warnings from the event stream asynchronously, so a line may trail the counter that its event also moved.
    /// </summary>
    public async Task<string> WaitForWarningAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (warnings.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"no warning {what} arrived; the warnings were:\n{string.Join('\n', warnings)}");
            }

            await Task.Delay(20);
        }
    }

    public static LogCollector Subscribe(ActorSystem system)
    {
        var collector = new LogCollector();
        var subscriber = system.ActorOf(Props.Create(() => new Subscriber(collector.warnings, collector.errors)));
        system.EventStream.Subscribe(subscriber, typeof(Warning));
        system.EventStream.Subscribe(subscriber, typeof(Error));
        return collector;
    }

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(ConcurrentQueue<string> warnings, ConcurrentQueue<string> errors)
        {
            Receive<Warning>(w => warnings.Enqueue(w.Message.ToString() ?? ""));
            Receive<Error>(e => errors.Enqueue(e.Message.ToString() ?? ""));
        }
    }
}
