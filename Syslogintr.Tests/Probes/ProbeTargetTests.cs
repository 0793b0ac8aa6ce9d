using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Syslogintr.Probes;

namespace Syslogintr.Tests.Probes;

/// <summary>Probe settings are plain data: equal when read from the same text, and they survive serialization.</summary>
public sealed class ProbeTargetTests : TestKit
{
    private const string Hocon = """
        syslogintr.probes {
          web { kind = http-status, url = "http://127.0.0.1:8080/server-status?auto", every = 1m, timeout = 5s, jitter = 0s }
          named { kind = pidfile, path = "/run/named.pid", process-name = named }
          smtp { kind = tcp, port = 25 }
          disk { kind = exec, argv = ["/usr/lib/nagios/plugins/check_disk", "-w", "10%"] }
        }
        """;

    private static IReadOnlyList<ProbeSettings> Read() => ProbeSettings.AllFrom(ConfigurationFactory.ParseString(Hocon));

    [Fact]
    public void Settings_read_twice_from_the_same_text_are_equal()
    {
        Assert.Equal(Read(), Read());
        Assert.Equal(
            [new HttpStatusTarget(new Uri("http://127.0.0.1:8080/server-status?auto"), null, null), new PidFileTarget("/run/named.pid", "named"), new TcpTarget("127.0.0.1", 25), new ExecTarget(["/usr/lib/nagios/plugins/check_disk", "-w", "10%"])],
            Read().Select(p => p.Target));
    }

    [Fact]
    public void Settings_survive_the_actor_systems_serializer()
    {
        foreach (var settings in Read())
        {
            var serializer = Sys.Serialization.FindSerializerFor(settings);
            var back = serializer.FromBinary(serializer.ToBinary(settings), typeof(ProbeSettings));
            Assert.Equal(settings, back);
        }
    }

    [Fact]
    public void A_password_never_shows_in_a_targets_text()
    {
        var target = new HttpStatusTarget(new Uri("http://127.0.0.1/"), "monitor", "s3cret");
        Assert.DoesNotContain("s3cret", target.ToString());
        Assert.DoesNotContain("s3cret", new ProbeSettings("web", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), true, TimeSpan.Zero, "check/httpd", true, target).ToString());
    }
}
