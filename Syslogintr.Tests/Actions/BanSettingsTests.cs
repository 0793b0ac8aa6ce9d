using Akka.Configuration;
using Akka.DistributedData;
using Syslogintr.Actions;
using Syslogintr.Hosting;

namespace Syslogintr.Tests.Actions;

public sealed class BanSettingsTests
{
    [Fact]
    public void Replication_writes_to_every_node_by_default_with_a_one_second_timeout()
    {
        var replication = Read("").Replication;

        Assert.Equal(new BanReplication(BanWrite.All, TimeSpan.FromSeconds(1)), replication);
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.IsType<WriteAll>(replication.Consistency).Timeout);
        Assert.Same(WriteLocal.Instance, Read("replication.write = local").Replication.Consistency);
        Assert.IsType<WriteMajority>(Read("replication.write = majority").Replication.Consistency);
    }

    [Theory]
    [InlineData("replication.write = quorum", "'syslogintr.ban.replication.write' must be local, majority or all, not 'quorum'")]
    [InlineData("replication.write-timeout = 0s", "'syslogintr.ban.replication.write-timeout' must be between")]
    public void A_replication_setting_that_cannot_work_is_refused_naming_its_key(string setting, string message)
    {
        var error = Assert.ThrowsAny<Exception>(() => ActionsHosting.Validate(ConfigurationFactory.ParseString($"syslogintr.ban.{setting}")));

        Assert.IsAssignableFrom<StartupException>(error);
        Assert.StartsWith(message, error.Message);
    }

    private static BanSettings Read(string setting) => BanSettings.From(ConfigurationFactory.ParseString($"syslogintr.ban {{ {setting} }}"));
}
