using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Akka.Configuration;
using MailKit.Security;
using Syslogintr.Alerts.Mail;
using Syslogintr.Hosting;
using Syslogintr.Ingest.Listeners;
using Syslogintr.Pipeline;
using Syslogintr.Probes;
using Syslogintr.Rules;
using Syslogintr.Sinks;

namespace Syslogintr.Tests.Settings;

/// <summary>Settings are read once, through one reader, with their defaults in syslogintr.conf only.</summary>
public sealed partial class SettingsReaderTests
{
    private static readonly string Repository = Support.Repository.Root;

    [Fact]
    public void A_key_left_out_of_the_users_file_takes_the_value_of_the_embedded_defaults()
    {
        var settings = new SettingsReader(ConfigurationFactory.ParseString("syslogintr.pipeline.batch-size = 7"));

        Assert.Equal(7, settings.Int("syslogintr.pipeline.batch-size"));
        Assert.Equal(
            DefaultSettings.Load().GetInt("syslogintr.pipeline.max-messages-in-flight"),
            PipelineSettings.From(settings).MaxMessagesInFlight);
    }

    [Fact]
    public void A_bad_value_is_one_error_naming_the_full_key_and_the_value()
    {
        var section = new SettingsReader(ConfigurationFactory.ParseString("syslogintr.relay.tcp-buffer = lots")).Section("syslogintr.relay");

        var error = Assert.Throws<SettingsException>(() => section.Int("tcp-buffer"));

        Assert.Equal("syslogintr.relay.tcp-buffer", error.Key);
        Assert.Equal("lots", error.Value);
        Assert.StartsWith("'syslogintr.relay.tcp-buffer' is not valid", error.Message);
    }

    [Fact]
    public void A_key_with_no_default_is_refused_by_name()
    {
        var error = Assert.Throws<SettingsException>(() => new SettingsReader(Config.Empty).Duration("syslogintr.pipeline.no-such-key"));

        Assert.Equal("syslogintr.pipeline.no-such-key", error.Key);
        Assert.Null(error.Value);
    }

    [Fact]
    public void Range_checks_name_the_key_and_the_range()
    {
        var settings = new SettingsReader(ConfigurationFactory.ParseString("syslogintr.pipeline.drain-timeout = 20m"));

        var error = Assert.Throws<SettingsException>(() => PipelineSettings.From(settings));

        Assert.Equal("'syslogintr.pipeline.drain-timeout' must be between 1ms and 600s, not 1200s", error.Message);
    }

    [Fact]
    public void A_rule_inherits_instances_and_partition_by_from_rule_defaults()
    {
        var root = ConfigurationFactory.ParseString("syslogintr.rule-defaults { instances = 3, partition-by = host }");

        var rule = RuleDefinition.From("r", ConfigurationFactory.ParseString("script = r.lua"), root, Path.GetTempPath());
        var shipped = RuleDefinition.From("r", ConfigurationFactory.ParseString("script = r.lua"), Config.Empty, Path.GetTempPath());

        Assert.Equal((3, "host"), (rule.Instances, rule.PartitionBy));
        Assert.Equal((1, "remote"), (shipped.Instances, shipped.PartitionBy));
    }

    [Theory]
    [InlineData("security = ssl", 465)]
    [InlineData("security = starttls", 25)]
    [InlineData("security = ssl, port = 2465", 2465)]
    public void The_smtp_port_follows_security_unless_set(string smtp, int port)
    {
        // Over the embedded defaults, as a node reads it: the file must not pin port 25 under security = ssl.
        var settings = MailSettings.Parse(ConfigurationFactory.ParseString($"syslogintr.mail.smtp {{ {smtp} }}").WithFallback(DefaultSettings.Load()));

        Assert.Equal(port, settings.Smtp.Port);
        Assert.NotEqual(SecureSocketOptions.Auto, settings.Smtp.Security);
    }

    [Fact]
    public void Rule_options_are_plain_data_typed_as_lua_sees_them()
    {
        var options = RuleOptions.From("r", ConfigurationFactory.ParseString("""
            threshold = 4, ratio = 0.5, verbose = true, name = x, window = 10m, list = [a, 2]
            nested { on = false }
            empty {}
            """));

        Assert.Equal(4L, options["threshold"]);
        Assert.Equal(0.5, options["ratio"]);
        Assert.Equal(true, options["verbose"]);
        Assert.Equal("x", options["name"]);
        Assert.Equal("10m", options["window"]);
        Assert.Equal(new object[] { "a", 2L }, ((ImmutableArray<object>)options["list"]).ToArray());
        Assert.Equal(false, ((IReadOnlyDictionary<string, object>)options["nested"])["on"]);
        Assert.Empty((IReadOnlyDictionary<string, object>)options["empty"]);
    }

    /// <summary>
    /// No settings reader in the node carries a default of its own: a config getter called with a fallback
    /// argument (<c>GetInt(key, 32768)</c>) would be a second, drifting copy of syslogintr.conf. Named entries
    /// (listeners, files, probes) included: theirs are in the file's <c>*-defaults</c> sections.
    /// </summary>
    [Fact]
    public void No_settings_default_is_written_in_the_csharp()
    {
        var offenders = Directory.EnumerateFiles(Path.Combine(Repository, "Syslogintr.Actors"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository, "Syslogintr.Node"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/"))
            .SelectMany(f => File.ReadLines(f).Where(l => GetterWithFallback().IsMatch(l)).Select(l => $"{Path.GetFileName(f)}: {l.Trim()}"))
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void A_users_own_listener_takes_the_defaults_of_its_kind()
    {
        var listeners = ListenerSettings.From(ConfigurationFactory.ParseString("""
            syslogintr.listeners {
              mytcp { kind = tcp, bind = "127.0.0.1:6514" }
              mysock { kind = unix, path = "/tmp/x.sock", idle-timeout = 1m }
              myudp { kind = udp, bind = "127.0.0.1:6514" }
            }
            """));

        var (tcp, unix, udp) = (listeners[0], listeners[1], listeners[2]);
        Assert.Equal((64 * 1024, 8 * 1024 * 1024, TimeSpan.FromMinutes(10), 1000, 100), (tcp.MaxMessageSize, tcp.ReceiveBuffer, tcp.IdleTimeout, tcp.MaxConnections, tcp.MaxConnectionsPerAddress));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), (TlsSettings?)null), (tcp.FirstFrameTimeout, tcp.FrameTimeout, tcp.Tls));
        Assert.Equal((1024 * 1024, TimeSpan.FromMinutes(1)), (unix.MaxMessageSize, unix.IdleTimeout));
        Assert.Equal(64 * 1024, udp.MaxMessageSize);
    }

    [Fact]
    public void A_users_own_file_and_the_console_take_file_defaults_with_their_own_on_lag()
    {
        var config = ConfigurationFactory.ParseString("""
            syslogintr.files.mine { path = "/tmp/mine" }
            syslogintr.console.enabled = true
            """);

        var file = Assert.Single(FileSinkSettings.FilesFrom(config));
        var console = FileSinkSettings.ConsoleFrom(config)!;

        Assert.Equal(("*.*", TimeSpan.FromSeconds(1), true, 64 * 1024 * 1024, OnLag.Backpressure), (file.Filter.Select, file.FlushInterval, file.EscapeControlCharacters, file.MaxPendingBytes, file.OnLag));
        Assert.Equal((file.Format, file.MaxPendingBytes, OnLag.Drop), (console.Format, console.MaxPendingBytes, console.OnLag));
    }

    [Theory]
    [InlineData("every = 10m", 12, "check/p")]
    [InlineData("every = 1h", 30, "check/p")]
    [InlineData("every = 10m, jitter = 2s, program = mine", 2, "mine")]
    public void A_probe_takes_probe_defaults_and_computes_jitter_and_program_when_absent(string keys, int jitterSeconds, string program)
    {
        var probe = Assert.Single(ProbeSettings.AllFrom(ConfigurationFactory.ParseString($"syslogintr.probes.p {{ kind = tcp, port = 1, {keys} }}")));

        Assert.Equal((TimeSpan.FromSeconds(10), true, true), (probe.Timeout, probe.RunAtStart, probe.Alert));
        Assert.Equal((TimeSpan.FromSeconds(jitterSeconds), program), (probe.Jitter, probe.Program));
        Assert.Equal("127.0.0.1", ((TcpTarget)probe.Target).Host);
    }

    /// <summary>Only the settings readers read the config: no actor or hosting code asks for a key itself.</summary>
    [Fact]
    public void Only_settings_readers_read_keys()
    {
        string[] hosts = ["RulesHosting.cs", "RuleWorkerActor.cs", "SyslogintrHosting.cs", "RunCommand.cs", "PidFile.cs"];
        var offenders = hosts
            .Select(name => Directory.EnumerateFiles(Repository, name, SearchOption.AllDirectories).First(f => !f.Contains("/obj/") && !f.Contains("/bin/")))
            .SelectMany(f => File.ReadLines(f).Where(l => ConfigGetter().IsMatch(l)).Select(l => $"{Path.GetFileName(f)}: {l.Trim()}"))
            .ToList();

        Assert.Empty(offenders);
    }

    [GeneratedRegex("""\b(GetString|GetInt|GetLong|GetTimeSpan|GetBoolean|GetByteSize|GetIntByteSize)\([^()]*"[^"]*",\s*[^)]""")]
    private static partial Regex GetterWithFallback();

    [GeneratedRegex(@"(?<!Encoding\.\w+\.)\b(GetConfig|GetString|GetInt|GetLong|GetTimeSpan|GetBoolean|HasPath|GetStringList|GetByteSize)\(")]
    private static partial Regex ConfigGetter();
}
