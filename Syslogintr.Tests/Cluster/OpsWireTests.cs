using Akka.TestKit.Xunit2;
using Syslogintr.Cluster.Wire;

namespace Syslogintr.Tests.Cluster;

public sealed class OpsWireTests : TestKit
{
    /// <summary>Records holding lists compare by reference: a second write giving the same bytes shows nothing was lost or changed.</summary>
    [Fact]
    public void Every_alert_owner_message_and_its_replicated_record_round_trip_through_the_binary_codec()
    {
        var serializer = new SyslogintrSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        foreach (var sample in WireSamples.Ops())
        {
            var bytes = serializer.ToBinary(sample);
            var back = serializer.FromBinary(bytes, serializer.Manifest(sample));

            Assert.IsType(sample.GetType(), back);
            Assert.Equal(bytes, serializer.ToBinary(back));
        }
    }
}
