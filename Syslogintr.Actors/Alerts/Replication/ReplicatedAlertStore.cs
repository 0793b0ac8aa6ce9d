using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace Syslogintr.Alerts.Replication;

/// <summary>
/// The alert owner's store in a cluster: one <see cref="LWWRegister{T}"/> of the whole <see cref="AlertRecord"/> in
/// Distributed Data, written with WriteMajority (a save completes only when a majority of the nodes has it) and read
/// with ReadMajority when an owner starts, so a new owner sees every mail the old one decided on and every mail a
/// server accepted. One writer at a time (the singleton), so last-writer-wins loses nothing; the register's clock
/// (the previous timestamp + 1 at least) keeps a new owner's writes after its predecessor's.
/// </summary>
public sealed class ReplicatedAlertStore(ActorSystem system, TimeSpan timeout) : IAlertStore
{
    public static readonly LWWRegisterKey<AlertRecord> Key = new("syslogintr-alerts");

    private readonly IActorRef replicator = DistributedData.Get(system).Replicator;
    private readonly UniqueAddress self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;

    public string Name => $"replicated data '{Key.Id}' (majority of the nodes)";

    public async Task<AlertRecord> LoadAsync(Action<string> warn)
    {
        var answer = await replicator.Ask<IGetResponse>(Dsl.Get(Key, new ReadMajority(timeout)), timeout * 2);
        if (answer is GetFailure)
        {
            // No majority (most nodes down or unreachable): alerting with this node's copy beats not alerting.
            warn($"alert state: no majority answered within {timeout.TotalSeconds:0.#} s; going on with this node's copy, which may miss the latest changes");
            answer = await replicator.Ask<IGetResponse>(Dsl.Get(Key, ReadLocal.Instance), timeout * 2);
        }

        return answer is GetSuccess found ? found.Get(Key).Value : AlertRecord.Empty;
    }

    public async Task SaveAsync(AlertRecord record)
    {
        var update = Dsl.Update(Key, new LWWRegister<AlertRecord>(self, AlertRecord.Empty), new WriteMajority(timeout), register => register.WithValue(self, record));
        var answer = await replicator.Ask<IUpdateResponse>(update, timeout * 2);
        if (answer is not UpdateSuccess)
        {
            // Written here and spreading by gossip, but a majority has not confirmed it: the actor saves again.
            throw new TimeoutException($"alert state not confirmed by a majority within {timeout.TotalSeconds:0.#} s ({answer.GetType().Name})");
        }
    }
}
