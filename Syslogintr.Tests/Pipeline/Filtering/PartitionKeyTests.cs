using Syslogintr.Ingest;
using Syslogintr.Pipeline.Filtering;
using Syslogintr.Tests.Rules;

namespace Syslogintr.Tests.Pipeline.Filtering;

/// <summary><c>partition-by = host</c> keys on the header's host name, the host a filter's <c>host</c> list names.</summary>
public sealed class PartitionKeyTests
{
    [Fact]
    public void Host_is_the_header_host_name_whatever_the_transport()
    {
        var udp = RuleFolder.Message("x", host: "web1");
        var unix = udp with { Hostname = "node-a", Origin = new Origin(Transport.Unix, null, -1, "/run/syslogintr/log", -1, "local") };
        Assert.Equal(("web1", "node-a"), (PartitionKey.Of(udp, "host"), PartitionKey.Of(unix, "host")));
        Assert.True(MessageFilter.Compile(new FilterSpec { Hosts = ["node-a"] }).Accepts(unix));
    }

    [Fact]
    public void A_header_without_a_host_name_is_given_the_senders_address_so_a_host_list_may_name_it()
    {
        var noHost = Syslogintr.Tests.Ingest.Parse.Text("<13>Dec  1 12:00:00 sshd[1]: x");
        var local = Syslogintr.Tests.Ingest.Parse.Text("<13>Dec  1 12:00:00 sshd[1]: x", Syslogintr.Tests.Ingest.Parse.Unix);

        Assert.True(MessageFilter.Compile(new FilterSpec { Hosts = ["192.0.2.10"] }).Accepts(noHost));
        Assert.True(MessageFilter.Compile(new FilterSpec { Hosts = [Syslogintr.Tests.Ingest.Parse.LocalHost] }).Accepts(local));
    }
}
