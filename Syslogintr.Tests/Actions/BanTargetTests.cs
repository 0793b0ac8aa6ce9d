using Syslogintr.Actions;

namespace Syslogintr.Tests.Actions;

public sealed class BanTargetTests
{
    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("2001:DB8::1", "2001:db8::1")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("192.0.2.7/32", "192.0.2.7")]
    public void Accepts_addresses_and_networks_in_canonical_form(string text, string canonical)
    {
        Assert.True(BanTarget.TryParse(text, out var target));
        Assert.Equal(canonical, target.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("192.030.0.6")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.4 ; rm -rf /")]
    [InlineData("1.2.3.4\n")]
    [InlineData("-j ACCEPT")]
    [InlineData("example.com")]
    [InlineData("fe80::1%eth0")]
    [InlineData("1.2.3.4/24")]
    [InlineData("1.2.3.0/33")]
    [InlineData("1.2.3.0/024")]
    public void Refuses_anything_else(string text) => Assert.False(BanTarget.TryParse(text, out _));
}
