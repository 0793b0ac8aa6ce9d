using System.Net;
using Akka.Configuration;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Node;
using Syslogintr.Node.Commands;

namespace Syslogintr.Tests.Settings;

/// <summary>The original's command line, parsed and mapped onto the node's HOCON (no node started).</summary>
public sealed class ScriptModeTests
{
    private static ScriptMode Parse(params string[] args)
    {
        var parse = RunCommand.CreateRoot().Parse(args);
        Assert.Empty(parse.Errors);
        return RunCommand.ScriptModeFrom(parse);
    }

    private static Config Map(string[] args, string user = "")
    {
        var userConfig = ConfigurationFactory.ParseString(user);
        return Parse(args).Over(userConfig.WithFallback(NodeConfig.Defaults()), userConfig);
    }

    private static string[] Listeners(Config config) =>
        [.. ListenerSettings.From(config).Select(l => l.Kind == ListenerKind.Unix ? $"unix {l.Path}" : $"udp {l.Bind}")];

    [Theory]
    [InlineData("-4", "udp 0.0.0.0:514")]
    [InlineData("--ip", "udp 0.0.0.0:514")]
    [InlineData("--ip4", "udp 0.0.0.0:514")]
    [InlineData("--ipv4", "udp 0.0.0.0:514")]
    [InlineData("-6", "udp [::]:514")]
    [InlineData("--ip6", "udp [::]:514")]
    [InlineData("--ipv6", "udp [::]:514")]
    [InlineData("-l", "unix /dev/log")]
    [InlineData("--local", "unix /dev/log")]
    public void Each_listener_flag_of_the_original_is_the_only_listener(string flag, string listener)
    {
        Assert.Equal([listener], Listeners(Map([flag, "x.lua"])));
    }

    [Theory]
    [InlineData("-i", "127.0.0.1", "udp 127.0.0.1:514")]
    [InlineData("--ipaddr", "239.255.0.1", "udp 239.255.0.1:514")]
    [InlineData("--ip4addr", "127.0.0.1", "udp 127.0.0.1:514")]
    [InlineData("--ipv4addr", "127.0.0.1", "udp 127.0.0.1:514")]
    [InlineData("-I", "::1", "udp [::1]:514")]
    [InlineData("--ip6addr", "ff02::1", "udp [ff02::1]:514")]
    [InlineData("--ipv6addr", "::1", "udp [::1]:514")]
    [InlineData("-s", "/tmp/x/log", "unix /tmp/x/log")]
    [InlineData("--socket", "/tmp/x/log", "unix /tmp/x/log")]
    public void Each_listener_option_of_the_original_binds_its_argument(string option, string value, string listener)
    {
        Assert.Equal([listener], Listeners(Map([option, value, "x.lua"])));
    }

    [Fact]
    public void Listeners_add_up_sockets_repeat_and_port_moves_the_udp_ones()
    {
        var listeners = Listeners(Map(["-46l", "--port", "5514", "-i", "127.0.0.1", "-s", "/tmp/a", "--socket", "/tmp/b", "-I", "::1", "x.lua"]));

        Assert.Equal(
            ["udp 0.0.0.0:5514", "udp 127.0.0.1:5514", "udp [::1]:5514", "udp [::]:5514", "unix /dev/log", "unix /tmp/a", "unix /tmp/b"],
            listeners.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_listener_options_the_configs_listeners_stay_and_with_them_every_config_listener_is_off()
    {
        const string user = """syslogintr.listeners.mine { kind = udp, bind = "127.0.0.1:6000" }""";

        Assert.Contains("udp 127.0.0.1:6000", Listeners(Map(["x.lua"], user)));
        Assert.Contains("unix " + Path.GetFullPath("./run/log"), Listeners(Map(["x.lua"], user)));
        Assert.Equal(["unix /tmp/only"], Listeners(Map(["-s", "/tmp/only", "x.lua"], user)));
    }

    [Fact]
    public void The_script_is_a_trusted_rule_with_the_module_paths_and_no_default_file_sink()
    {
        var config = Map(["-p", "/my/?.lua", "-c", "/my/?.so", "x.lua"]);

        Assert.Equal(Path.GetFullPath("x.lua"), config.GetString("syslogintr.rules.script.script"));
        Assert.True(config.GetBoolean("syslogintr.rules.script.trusted"));
        Assert.Equal("/my/?.lua", config.GetString("syslogintr.rules.script.lua-path"));
        Assert.Equal("/my/?.so", config.GetString("syslogintr.rules.script.lua-cpath"));
        Assert.Empty(config.NamedEntries("syslogintr.files"));
    }

    [Fact]
    public void Long_forms_sandbox_and_script_option_are_the_same_rule()
    {
        var config = Map(["--lua-path", "/a/?.lua", "--lua-cpath", "/b/?.so", "--sandbox", "--script", "/s/x.lua"]);

        Assert.Equal("/s/x.lua", config.GetString("syslogintr.rules.script.script"));
        Assert.False(config.GetBoolean("syslogintr.rules.script.trusted"));
        Assert.Equal(("/a/?.lua", "/b/?.so"), (config.GetString("syslogintr.rules.script.lua-path"), config.GetString("syslogintr.rules.script.lua-cpath")));
    }

    [Fact]
    public void Files_of_the_users_config_stay_in_script_mode()
    {
        var config = Map(["x.lua"], """
            syslogintr.files.auth.path = "/tmp/auth.log"
            syslogintr.files.messages.path = "/tmp/m"
            """);

        Assert.Equal(["auth", "messages"], config.NamedEntries("syslogintr.files").Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_script_the_config_is_unchanged_and_the_default_file_sink_stays()
    {
        var config = Map([]);

        Assert.False(config.HasPath("syslogintr.rules.script"));
        Assert.Equal(["messages"], config.NamedEntries("syslogintr.files").Select(e => e.Name));
        Assert.False(Parse().Daemonize);
    }

    [Fact]
    public void Foreground_user_and_group_are_parsed_and_a_script_without_f_is_a_daemon_with_the_syslogd_pid_file()
    {
        var mode = Parse("-f", "-u", "nobody", "-g", "nogroup", "x.lua");
        Assert.Equal((true, "nobody", "nogroup", false), (mode.Foreground, mode.User, mode.Group, mode.Daemonize));
        Assert.Equal(("daemon", "wheel"), (Parse("--user", "daemon", "--group", "wheel", "--foreground", "x.lua").User, Parse("--user", "daemon", "--group", "wheel", "x.lua").Group));
        Assert.Throws<ConfigurationException>(() => Parse("-g", "wheel", "x.lua"));

        Assert.True(Parse("x.lua").Daemonize);
        Assert.Equal(ScriptMode.DaemonPidFile, Map(["x.lua"]).GetString("syslogintr.pid-file"));
        Assert.Equal("/tmp/mine.pid", Map(["x.lua"], """syslogintr.pid-file = "/tmp/mine.pid" """).GetString("syslogintr.pid-file"));
    }

    [Theory]
    [InlineData("-i", "::1")]
    [InlineData("-i", "localhost")]
    [InlineData("-I", "127.0.0.1")]
    public void An_address_of_the_wrong_family_is_a_configuration_error(string option, string address)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(option, address, "x.lua"));
        Assert.Contains(address, e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    public void A_port_out_of_range_is_a_configuration_error(string port)
    {
        Assert.Throws<ConfigurationException>(() => Parse("--port", port, "-4", "x.lua"));
    }

    [Theory]
    [InlineData("--bogus", "x.lua")]
    [InlineData("-x")]
    [InlineData("-c")]
    public void An_unknown_option_or_one_without_its_value_is_a_parse_error(params string[] args)
    {
        Assert.NotEmpty(RunCommand.CreateRoot().Parse(args).Errors);
    }

    [Fact]
    public void The_run_subcommand_takes_the_same_options()
    {
        var parse = RunCommand.CreateRoot();
        parse.Subcommands.Add(RunCommand.Create());
        var mode = RunCommand.ScriptModeFrom(parse.Parse(["run", "-f", "-i", "127.0.0.1", "x.lua"]));
        Assert.Equal((Path.GetFullPath("x.lua"), true, new IPEndPoint(IPAddress.Loopback, 514)), (mode.Script, mode.Foreground, mode.Udp.Single()));
    }
}
