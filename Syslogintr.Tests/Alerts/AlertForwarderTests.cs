using Akka.TestKit.Xunit2;
using Syslogintr.Alerts;
using Syslogintr.Alerts.Replication;
using Syslogintr.Ingest;
using Syslogintr.Metrics;

namespace Syslogintr.Tests.Alerts;

/// <summary>The forwarder behind AlertsKey in a cluster: what the owner never confirms is counted, nothing silently lost.</summary>
public sealed class AlertForwarderTests : TestKit
{
    private static AlertRaised Raised(int i) => new($"rule/{i}", "s", "b", Severity.Error, "rule", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Alerts_the_owner_confirms_are_not_counted_and_those_pushed_out_unconfirmed_are()
    {
        var owner = CreateTestProbe();
        var counters = new ActionCounters();
        var forwarder = Sys.ActorOf(AlertForwarderActor.Props(owner, counters));

        // The owner confirms the first 10: they never count, however many follow.
        for (var i = 1; i <= 10; i++)
        {
            forwarder.Tell(Raised(i), TestActor);
            var forwarded = owner.ExpectMsg<AlertForwarded>();
            Assert.Equal(i, forwarded.Seq);
            Assert.Equal($"rule/{i}", ((AlertRaised)forwarded.Alert).Key);
            owner.Reply(new AlertReceived(forwarded.Seq));
        }

        // Then no owner answers (a failover): what exceeds the proxy's buffer is counted, one per alert pushed out.
        for (var i = 11; i <= 10 + AlertForwarderActor.MaxUnconfirmed + 5; i++)
        {
            forwarder.Tell(Raised(i), TestActor);
        }

        owner.ReceiveN(AlertForwarderActor.MaxUnconfirmed + 5);
        AwaitAssert(() => Assert.Equal(5, counters.Get(AlertForwarderActor.UnconfirmedCounter)));
    }
}
