using Akka.Actor;
using Syslogintr.Ingest;

namespace Syslogintr.Bench.Wire;

/// <summary>
/// <c>wire-receiver</c>: the other node of the wire benchmark, a process of its own. Prints its remoting port,
/// acknowledges what arrives (each batch; single messages every <see cref="AckEvery"/>) and exits when its
/// standard input closes, so it never outlives the benchmark that started it.
/// </summary>
public static class WireReceiver
{
    public const int AckEvery = 256;

    public static async Task RunAsync()
    {
        var system = ActorSystem.Create("wire", WireBench.Hocon);
        system.ActorOf(Props.Create(() => new Sink()), "sink");
        Console.WriteLine($"PORT {((ExtendedActorSystem)system).Provider.DefaultAddress.Port}");
        await Console.In.ReadToEndAsync();
        await system.Terminate();
    }

    /// <summary>Touches what a rule would read first, so the messages are used, not only deserialized.</summary>
    private sealed class Sink : ReceiveActor
    {
        private int unacknowledged;
        private long characters;

        public Sink()
        {
            Receive<WireBatch>(batch =>
            {
                foreach (var message in batch.Messages)
                {
                    characters += message.Message.Length;
                }

                Sender.Tell(new WireAck(batch.Messages.Length));
            });
            Receive<SyslogMessage>(message =>
            {
                characters += message.Message.Length;
                if (++unacknowledged == AckEvery)
                {
                    Sender.Tell(new WireAck(unacknowledged));
                    unacknowledged = 0;
                }
            });
        }

        protected override void PostStop() => Console.Error.WriteLine($"receiver: {characters} characters of message text");
    }
}
