using System.Threading.Channels;
using Akka.Actor;
using Syslogintr.Pipeline;

namespace Syslogintr.Http;

/// <summary>
/// One <c>/api/tail</c> viewer as a router consumer: hands each batch to the request that writes it out and
/// acknowledges it only once written, so a viewer that reads slowly runs out of credit and the router drops (and
/// counts) its share, not anyone else's. The channel needs no bound of its own: the router never has more than the
/// viewer's credit outstanding.
/// </summary>
internal sealed class TailViewerActor : ReceiveActor
{
    private readonly ChannelWriter<MessageBatch> batches;
    private IActorRef? router;

    public TailViewerActor(ChannelWriter<MessageBatch> batches)
    {
        this.batches = batches;
        Receive<MessageBatch>(batch =>
        {
            router = Sender;
            batches.TryWrite(batch);
        });
        Receive<BatchesWritten>(written =>
        {
            for (var i = 0; i < written.Count; i++)
            {
                router?.Tell(BatchDone.Instance);
            }
        });
    }

    public static Props Props(ChannelWriter<MessageBatch> batches) => Akka.Actor.Props.Create(() => new TailViewerActor(batches));

    protected override void PostStop() => batches.TryComplete();
}

/// <summary>The request wrote out (to the connection's buffer) the next <paramref name="Count"/> batches it was handed.</summary>
internal sealed record BatchesWritten(int Count);
