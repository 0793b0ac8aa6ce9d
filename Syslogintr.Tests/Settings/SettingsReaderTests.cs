using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Akka.Configuration;
using MailKit.Security;
using Syslogintr.Alerts.Mail;
using Syslogintr.Hosting;
using Syslogintr.Rules;

namespace Syslogintr.Tests.Settings;

/// <summary>Settings are read once, through one reader, with their defaults in syslogintr.conf only.</summary>
public sealed partial class SettingsReaderTests
{
    private static readonly string Repository = FindRepository();

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
    /// without a defaults section in the file (listeners, files, probes) are the listed exceptions.
    /// </summary>
    [Fact]
    public void No_settings_default_is_written_in_the_csharp_outside_the_named_entries()
    {
        string[] namedEntries = ["ListenerSettings.cs", "FileSinkSettings.cs", "ProbeSettings.cs", "Secrets.cs", "ConfigExtensions.cs"];
        var offenders = Directory.EnumerateFiles(Path.Combine(Repository, "Syslogintr.Actors"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository, "Syslogintr.Node"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/") && !namedEntries.Contains(Path.GetFileName(f)))
            .SelectMany(f => File.ReadLines(f).Where(l => GetterWithFallback().IsMatch(l)).Select(l => $"{Path.GetFileName(f)}: {l.Trim()}"))
            .ToList();

        Assert.Empty(offenders);
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

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Syslogintr.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root is not above the test binary");
    }
}
