using System.Globalization;
using System.Text;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Parsing;
using Syslogintr.Rules;
using Syslogintr.Sinks;
using Syslogintr.Sinks.Formatting;

namespace Syslogintr.Tests.Rules;

/// <summary>rules/files.lua writes the lines the node's file sink writes in its traditional format (the default config's).</summary>
public sealed class FilesRuleTests : IDisposable
{
    private const string NodeName = "node1";
    private static readonly Origin Udp = new(Transport.Udp, "192.0.2.10", 40514, "0.0.0.0", 514, "udp");
    private static readonly Origin Unix = new(Transport.Unix, null, -1, "/dev/log", -1, "devlog");
    private readonly RuleFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Lines_are_the_file_sinks_traditional_lines()
    {
        // RFC 5424 timestamps in the process's zone: the sink writes a timestamp's own wall clock, os.date the local one.
        var offset = TimeZoneInfo.Local.GetUtcOffset(DateTime.Now).ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        var sign = TimeZoneInfo.Local.GetUtcOffset(DateTime.Now) < TimeSpan.Zero ? "-" : "+";
        (string Raw, Origin Origin)[] sent =
        [
            ("<38>Nov  5 03:12:01 web1 sshd[4242]: Failed password for root from 203.0.113.7 port 52211 ssh2", Udp),
            ("<86>Nov 29 13:02:11 web1 sshd[4243]: session opened", Udp),
            ("<22>Nov 29 03:12:01 mx postfix/smtpd[1234]: connect from unknown[198.51.100.3]", Udp),
            ("<13>Nov 29 03:12:01 host app: \ttab and \u0001 control", Udp),
            ("<13>Nov 29 03:12:01 host app:  leading space", Udp),
            ("<14>Nov 29 03:12:01 host just text, no tag", Udp),
            ("<13>Connection closed by 1.2.3.4", Udp),
            ("<13>Nov 29 03:12:01 root: hello from logger", Unix),
            ($"<165>1 2026-11-29T03:12:01.5{sign}{offset} host app 77 ID1 - rfc5424 with a procid", Udp),
            ($"<165>1 2026-11-29T03:12:01{sign}{offset} host app - - [x@1 a=\"b\"] no procid", Udp),
            ("<135>Nov 29 03:12:01 host app: local0.debug is in no file of the default routes", Udp),
        ];
        var parser = new SyslogParser(TimeProvider.System, NodeName);
        var messages = sent.Select(s => parser.Parse(Encoding.UTF8.GetBytes(s.Raw), s.Origin, DateTimeOffset.Now)).ToList();
        var effects = new RecordingEffects();
        var rule = RuleFolder.Definition("files", Path.Combine(RuleFolder.Shipped, "files.lua"), Path.Combine(RuleFolder.Shipped, "lib")) with
        {
            AllowedPaths = [folder.Path],
            Options = RuleOptions.From("test", Akka.Configuration.ConfigurationFactory.ParseString($"dir = \"{folder.Path}\", hostname = {NodeName}")),
        };
        using var lua = LuaRule.Load(rule, effects, TimeProvider.System, NodeName);

        foreach (var message in messages)
        {
            var before = effects.Actions.Count;
            Assert.Null(lua.Deliver(message));
            var lines = effects.Actions.Skip(before).Cast<FileWriteRequested>().Select(w => w.Line).Distinct().ToList();
            if (message.Severity == Severity.Debug)
            {
                Assert.Empty(lines);
                continue;
            }

            Assert.Equal(SyslogFormatter.Format(message, OutputFormat.Traditional, escapeControl: true), Assert.Single(lines));
        }
    }
}
