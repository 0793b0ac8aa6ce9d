using Akka.Actor;

namespace Syslogintr.Bench.RuntimeFloor;

/// <summary>Takes each datagram's length and drops it: the actor system has one live actor on a message path.</summary>
public sealed class Sink : ReceiveActor
{
    public Sink() => Receive<int>(_ => { });
}
