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
        var subscriber = system.ActorOf(Props.Create(() => new Subscriber(collector.warnings)));
        system.EventStream.Subscribe(subscriber, typeof(Warning));
        return collector;
    }

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(ConcurrentQueue<string> warnings) => Receive<Warning>(w => warnings.Enqueue(w.Message.ToString() ?? ""));
    }
}
