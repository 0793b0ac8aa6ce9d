using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Ingest;

public sealed class PortInUseTests
{
    [Fact]
    public async Task A_second_node_on_a_port_in_use_refuses_to_start_instead_of_sharing_it()
    {
        await using var first = await TestNode.StartAsync("syslogintr.listeners.udp.enabled = false");

        var failure = await Record.ExceptionAsync(() => TestNode.StartAsync($$"""
            syslogintr.listeners.udp.enabled = false
            syslogintr.listeners.tcp.bind = "127.0.0.1:{{first.Port}}"
            """));

        Assert.NotNull(failure);
        var startup = failure as Hosting.StartupException ?? failure.InnerException as Hosting.StartupException;
        Assert.NotNull(startup);
        Assert.Contains("cannot listen: tcp: tcp 127.0.0.1:" + first.Port, startup.Message);
    }
}
